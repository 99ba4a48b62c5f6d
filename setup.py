"""The optional C row builder (etl/_accel.pyx); everything else is configured in pyproject.toml.

Built with Cython against lxml's headers when a C compiler is present. A failed build is not an error:
`optional=True` leaves the package on the generated Python row functions, which give the same rows.
"""

from setuptools import Extension, setup


def extensions() -> list[Extension]:
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError:  # a build without Cython (it is in build-system.requires): pure Python
        return []
    ext = Extension("etl._accel", ["etl/_accel.pyx"], include_dirs=lxml.get_include(), optional=True)
    return cythonize([ext], language_level=3, quiet=True)


setup(ext_modules=extensions())
