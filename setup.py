"""The optional C row builder (etl/_accel.pyx); everything else is configured in pyproject.toml.

Built with Cython against lxml's headers when a C compiler is present. A failed build is not an error:
the package then maps with the generated Python row functions, which give the same rows.
"""

from setuptools import Extension, setup


def extensions() -> list[Extension]:
    try:
        import lxml
        from Cython.Build import cythonize

        ext = Extension("etl._accel", ["etl/_accel.pyx"], include_dirs=lxml.get_include())
        built = cythonize([ext], language_level=3, quiet=True)
    except Exception as exc:  # no Cython (it is in build-system.requires), or it failed: pure Python
        print(f"etl: the compiled row builder is skipped: {exc}")
        return []
    for module in built:
        module.optional = True  # cythonize() returns new Extensions without the flag; a failed compile warns
    return built


setup(ext_modules=extensions())
