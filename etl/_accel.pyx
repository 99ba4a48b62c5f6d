# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""_accel: the compiled row builder, the mapper's fast path when the extension is built.

It does what the generated tree functions of etl.mapping_codegen do, on libxml2's nodes instead of lxml's
Python proxies: a Python object per touched element (and its tag and text strings) was most of the cost of
mapping a document. A TablePlan is built once per table and process from the compiled mapping by
etl.mapping_accel; run() appends the rows of the table and of every table below it to the sink.

Whatever is not the plain, error-free case raises the `slow` exception given to the plan (or the
ValueError of a converter): a value element with children, a second match, a missing required value, a
value that does not convert or fit. The Mapper then maps that table again on the generic path, which
reports every problem. So this file decides nothing about what a value means: conversions it does not
inline are the Python converters of etl.convert, called from here.
"""

from cpython.list cimport PyList_Append
from cpython.long cimport PyLong_FromLongLong, PyLong_FromSsize_t
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset, strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, import_lxml__etree

import_lxml__etree()

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)

# Column kinds, and conversions of a plain value column (see etl.mapping_accel)
cdef enum:
    COL_POSITION = 0
    COL_ID = 1
    COL_CONST = 2
    COL_VALUE = 3

cdef enum:
    CV_STR = 0       # text as it is (text, or a string type without a length)
    CV_VARCHAR = 1   # at most max_len characters; truncate or give up
    CV_INT = 2       # [+-]?[0-9]+ within lo..hi; longer numbers go to the converter
    CV_DECIMAL = 3   # plain notation with exactly `scale` decimals -> Decimal(text); else the converter
    CV_BOOL = 4      # lookup of the lower-cased text; a miss gives up
    CV_CALL = 5      # fast(text): the Python converter or a C-level function such as date.fromisoformat
    CV_FINISH = 6    # fast(raw): the column's whole finisher (map, nullif, on_error); raw may be None

# For etl.mapping_accel's test that its numbers are these.
CONSTANTS = {
    "COL_POSITION": COL_POSITION, "COL_ID": COL_ID, "COL_CONST": COL_CONST, "COL_VALUE": COL_VALUE,
    "CV_STR": CV_STR, "CV_VARCHAR": CV_VARCHAR, "CV_INT": CV_INT, "CV_DECIMAL": CV_DECIMAL,
    "CV_BOOL": CV_BOOL, "CV_CALL": CV_CALL, "CV_FINISH": CV_FINISH,
}

cdef struct DNode:
    const char* name
    const char* ns       # NULL: no namespace
    int first_value
    int n_values         # probes taking this element's text (the first one detects a second match)
    int first_attr
    int n_attrs
    int first_child
    int n_children

cdef struct DAttr:
    const char* name
    const char* ns
    int probe

cdef struct Col:
    int kind
    int conv
    int first_probe
    int n_probes         # several: coalesce, the first non-blank
    bint trim
    bint required
    bint has_default
    bint truncate
    Py_ssize_t max_len
    long long lo
    long long hi
    int int_digits       # decimal: digits before the point in plain notation (0: always the converter)
    int scale
    int obj              # index into TablePlan.objects: const value, converter or finisher
    int fast             # index into TablePlan.objects: Decimal, the bool table or the function to call
    int default          # index into TablePlan.objects

cdef struct NodeVec:
    tree.xmlNode** items
    Py_ssize_t n
    Py_ssize_t cap

cdef const char* XSI = b"http://www.w3.org/2001/XMLSchema-instance"

cdef enum:
    MAX_NODES = 1024  # dispatch nodes of one table (each a distinct element path its rules read)

MAX_DISPATCH = MAX_NODES


cdef int vec_push(NodeVec* v, tree.xmlNode* node) except -1:
    cdef tree.xmlNode** grown
    if v.n == v.cap:
        v.cap = 16 if v.cap == 0 else v.cap * 2
        grown = <tree.xmlNode**>realloc(v.items, v.cap * sizeof(tree.xmlNode*))
        if grown is NULL:
            raise MemoryError()
        v.items = grown
    v.items[v.n] = node
    v.n += 1
    return 0


cdef inline bint same_name(tree.xmlNode* node, const char* name, const char* ns) noexcept:
    if strcmp(<const char*>node.name, name) != 0:
        return False
    if ns is NULL:
        return node.ns is NULL
    return node.ns is not NULL and strcmp(<const char*>node.ns.href, ns) == 0


cdef inline str utf8(const char* text):
    if text is NULL:  # libxml2 may leave an empty node's content unset
        return ""
    return PyUnicode_DecodeUTF8(text, strlen(text), NULL)


cdef object text_nodes(tree.xmlNode* first, object slow):
    """The concatenated content of text and CDATA nodes ('' for none); slow for any other node."""
    cdef tree.xmlNode* c = first
    if c is NULL:
        return ""
    if c.next is NULL and (c.type == tree.XML_TEXT_NODE or c.type == tree.XML_CDATA_SECTION_NODE):
        return utf8(<const char*>c.content)
    parts = []
    while c is not NULL:
        if c.type != tree.XML_TEXT_NODE and c.type != tree.XML_CDATA_SECTION_NODE:
            raise slow  # an element, comment or PI inside: the string value is the generic path's job
        parts.append(utf8(<const char*>c.content))
        c = c.next
    return "".join(parts)


cdef object attribute(tree.xmlNode* node, const char* name, const char* ns, object slow):
    """The attribute's value, None when the element has no such attribute."""
    cdef tree.xmlAttr* a = node.properties
    while a is not NULL:
        if strcmp(<const char*>a.name, name) == 0:
            if a.ns is not NULL and a.ns.href is NULL:
                raise slow
            if ns is NULL:
                if a.ns is NULL:
                    return text_nodes(a.children, slow)
            elif a.ns is not NULL and strcmp(<const char*>a.ns.href, ns) == 0:
                return text_nodes(a.children, slow)
        a = a.next
    return None


cdef inline bint is_nil(tree.xmlNode* node) noexcept:
    """xsi:nil="true" or "1" (the values etl.mapping_rules.NIL_TRUE names)."""
    cdef tree.xmlAttr* a = node.properties
    cdef tree.xmlNode* c
    cdef const char* v
    while a is not NULL:
        if (
            a.ns is not NULL and a.ns.href is not NULL and strcmp(<const char*>a.name, "nil") == 0
            and strcmp(<const char*>a.ns.href, XSI) == 0
        ):
            c = a.children
            if c is NULL or c.next is not NULL or c.type != tree.XML_TEXT_NODE or c.content is NULL:
                return False
            v = <const char*>c.content
            return strcmp(v, "true") == 0 or strcmp(v, "1") == 0
        a = a.next
    return False


cdef inline str strip(str text):
    cdef Py_ssize_t n = len(text)
    if n == 0 or (not Py_UNICODE_ISSPACE(text[0]) and not Py_UNICODE_ISSPACE(text[n - 1])):
        return text
    return text.strip()


cdef inline bint blank(str text):
    for ch in text:
        if not Py_UNICODE_ISSPACE(ch):
            return False
    return True


cdef bint plain_int(str text, long long* out) noexcept:
    """[+-]?[0-9]{1,18} (what fits a long long for sure) -> out."""
    cdef Py_ssize_t n = len(text), i = 0
    cdef long long value = 0
    cdef bint negative = False
    cdef unsigned int ch  # a code point, compared and computed as a number
    if n == 0:
        return False
    ch = <unsigned int>text[0]
    if ch == 43 or ch == 45:  # + -
        negative = ch == 45
        i = 1
    if n - i < 1 or n - i > 18:
        return False
    while i < n:
        ch = <unsigned int>text[i]
        if ch < 48 or ch > 57:  # 0-9
            return False
        value = value * 10 + (ch - 48)
        i += 1
    out[0] = -value if negative else value
    return True


cdef bint plain_decimal(str text, int int_digits, int scale) noexcept:
    """[+-]?[0-9]{1,int_digits}(\\.[0-9]{scale})?, the decimal point present exactly when scale > 0."""
    cdef Py_ssize_t n = len(text), i = 0, start
    cdef unsigned int ch  # a code point, compared and computed as a number
    if n == 0:
        return False
    ch = <unsigned int>text[0]
    if ch == 43 or ch == 45:
        i = 1
    start = i
    while i < n:
        ch = <unsigned int>text[i]
        if ch < 48 or ch > 57:
            break
        i += 1
    if i == start or i - start > int_digits:
        return False
    if scale == 0:
        return i == n
    if i == n or <unsigned int>text[i] != 46:  # .
        return False
    i += 1
    if n - i != scale:
        return False
    while i < n:
        ch = <unsigned int>text[i]
        if ch < 48 or ch > 57:
            return False
        i += 1
    return True


def _check_plan(nodes, int n_probes, self_probes, text_probes, columns, int n_objects, inherit):
    """Every index a plan holds, checked once: the row builder reads them without bounds checks."""
    def probe(k):
        if not 0 <= k < n_probes:
            raise ValueError(f"probe {k} outside 0..{n_probes - 1}")

    if not 1 <= len(nodes) <= MAX_NODES:
        raise ValueError(f"{len(nodes)} dispatch nodes; 1 to {MAX_NODES} are allowed")
    for _tag, _ns, values, attrs, first_child, n_children in nodes:
        for k in values:
            probe(k)
        for _name, _attr_ns, k in attrs:
            probe(k)
        if n_children and not (1 <= first_child and first_child + n_children <= len(nodes)):
            raise ValueError(f"children {first_child}+{n_children} outside the {len(nodes)} nodes")
    for k in (*self_probes, *text_probes):
        probe(k)
    for col in columns:
        if not COL_POSITION <= col["kind"] <= COL_VALUE or not CV_STR <= col["conv"] <= CV_FINISH:
            raise ValueError(f"unknown column kind {col['kind']} or conversion {col['conv']}")
        if col["kind"] == COL_VALUE and not col["probes"]:
            raise ValueError("a value column needs a probe")
        for k in col["probes"]:
            probe(k)
        used = []
        if col["kind"] == COL_CONST or (col["kind"] == COL_VALUE and col["conv"] in (CV_INT, CV_DECIMAL)):
            used.append("obj")
        if col["kind"] == COL_VALUE and col["conv"] in (CV_DECIMAL, CV_BOOL, CV_CALL, CV_FINISH):
            used.append("fast")
        if col["has_default"]:
            used.append("default")
        for key in used:
            if not 0 <= col[key] < n_objects:
                raise ValueError(f"{key} {col[key]} outside the {n_objects} objects")
        if col["max_len"] < 0 or (col["conv"] == CV_VARCHAR and col["max_len"] == 0):
            raise ValueError(f"max_len {col['max_len']}")
    for k in inherit:
        if k < 0:
            raise ValueError(f"key position {k}")


cdef class TablePlan:
    """One table of a compiled mapping, for run(); built by etl.mapping_accel.plan()."""

    cdef readonly str name
    cdef object slow
    cdef list keep            # the bytes the C strings point into
    cdef list objects         # Python objects the columns use (by index)
    cdef list children        # TablePlan of each table below
    cdef DNode* nodes         # nodes[0] is the row element; its children are the top dispatch level
    cdef int n_nodes
    cdef DAttr* attrs
    cdef int* values
    cdef int n_probes
    cdef int* self_probes
    cdef int n_self
    cdef int* text_probes
    cdef int n_text
    cdef Col* cols
    cdef int n_cols
    cdef int* col_probes
    cdef int* inherit         # positions in the parent's row that key this table's rows
    cdef int n_inherit
    cdef const char** step_names
    cdef const char** step_ns
    cdef int n_steps          # 0: one row per parent row element (no `rows`)

    def __cinit__(self):
        self.nodes = NULL
        self.attrs = NULL
        self.values = NULL
        self.self_probes = NULL
        self.text_probes = NULL
        self.cols = NULL
        self.col_probes = NULL
        self.inherit = NULL
        self.step_names = NULL
        self.step_ns = NULL

    def __dealloc__(self):
        free(self.nodes)
        free(self.attrs)
        free(self.values)
        free(self.self_probes)
        free(self.text_probes)
        free(self.cols)
        free(self.col_probes)
        free(self.inherit)
        free(self.step_names)
        free(self.step_ns)

    def __init__(
        self,
        str name,
        list nodes,
        int n_probes,
        list self_probes,
        list text_probes,
        list columns,
        list objects,
        list steps,
        tuple inherit,
        list children,
        slow,
    ):
        """nodes: (name, ns, values, attrs, first_child, n_children), attrs: (name, ns, probe);
        columns: dicts of the Col fields (etl.mapping_accel writes them); objects: what columns index;
        steps: the (name, ns) element steps of `rows` from the parent's row element, [] for one row per
        parent row."""
        cdef int i, k, nv = 0, na = 0, nc = 0
        if self.nodes is not NULL:
            raise TypeError("a TablePlan is initialised once")
        _check_plan(nodes, n_probes, self_probes, text_probes, columns, len(objects), inherit)
        self.name = name
        self.slow = slow
        self.keep = []
        self.objects = list(objects)
        self.children = list(children)
        self.n_nodes = len(nodes)
        self.n_probes = n_probes
        for node in nodes:
            nv += len(node[2])
            na += len(node[3])
        for col in columns:
            nc += len(col["probes"])
        self.nodes = <DNode*>malloc(max(self.n_nodes, 1) * sizeof(DNode))
        self.attrs = <DAttr*>malloc(max(na, 1) * sizeof(DAttr))
        self.values = <int*>malloc(max(nv, 1) * sizeof(int))
        self.n_self = len(self_probes)
        self.self_probes = <int*>malloc(max(self.n_self, 1) * sizeof(int))
        self.n_text = len(text_probes)
        self.text_probes = <int*>malloc(max(self.n_text, 1) * sizeof(int))
        self.n_cols = len(columns)
        self.cols = <Col*>malloc(max(self.n_cols, 1) * sizeof(Col))
        self.col_probes = <int*>malloc(max(nc, 1) * sizeof(int))
        self.n_inherit = len(inherit)
        self.inherit = <int*>malloc(max(self.n_inherit, 1) * sizeof(int))
        if (
            self.nodes is NULL or self.attrs is NULL or self.values is NULL
            or self.self_probes is NULL or self.text_probes is NULL or self.cols is NULL
            or self.col_probes is NULL or self.inherit is NULL
        ):
            raise MemoryError()
        nv = na = 0
        for i, (tag, ns, values, attrs, first_child, n_children) in enumerate(nodes):
            self.nodes[i].name = self._c(tag)
            self.nodes[i].ns = self._c(ns)
            self.nodes[i].first_value = nv
            self.nodes[i].n_values = len(values)
            for k in values:
                self.values[nv] = k
                nv += 1
            self.nodes[i].first_attr = na
            self.nodes[i].n_attrs = len(attrs)
            for attr, attr_ns, probe in attrs:
                self.attrs[na].name = self._c(attr)
                self.attrs[na].ns = self._c(attr_ns)
                self.attrs[na].probe = probe
                na += 1
            self.nodes[i].first_child = first_child
            self.nodes[i].n_children = n_children
        for i, k in enumerate(self_probes):
            self.self_probes[i] = k
        for i, k in enumerate(text_probes):
            self.text_probes[i] = k
        nc = 0
        for i, col in enumerate(columns):
            self.cols[i].kind = col["kind"]
            self.cols[i].conv = col["conv"]
            self.cols[i].first_probe = nc
            self.cols[i].n_probes = len(col["probes"])
            for k in col["probes"]:
                self.col_probes[nc] = k
                nc += 1
            self.cols[i].trim = col["trim"]
            self.cols[i].required = col["required"]
            self.cols[i].has_default = col["has_default"]
            self.cols[i].truncate = col["truncate"]
            self.cols[i].max_len = col["max_len"]
            self.cols[i].lo = col["lo"]
            self.cols[i].hi = col["hi"]
            self.cols[i].int_digits = col["int_digits"]
            self.cols[i].scale = col["scale"]
            self.cols[i].obj = col["obj"]
            self.cols[i].fast = col["fast"]
            self.cols[i].default = col["default"]
        for i, k in enumerate(inherit):
            self.inherit[i] = k
        self.n_steps = len(steps)
        self.step_names = <const char**>malloc(max(self.n_steps, 1) * sizeof(char*))
        self.step_ns = <const char**>malloc(max(self.n_steps, 1) * sizeof(char*))
        if self.step_names is NULL or self.step_ns is NULL:
            raise MemoryError()
        for i, (tag, ns) in enumerate(steps):
            self.step_names[i] = self._c(tag)
            self.step_ns[i] = self._c(ns)

    cdef const char* _c(self, object text) except? NULL:
        if text is None:
            return NULL
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        self.keep.append(data)
        return <const char*>(<bytes>data)

    def run(self, _Element parent not None, app_id, tuple key, bint nil, dict sink):
        """Append this table's rows under `parent` (and those of the tables below) to sink[table name]."""
        if self.nodes is NULL:
            raise TypeError("the TablePlan was not initialised")
        self._run(parent._c_node, app_id, key, nil, sink)

    cdef int _run(self, tree.xmlNode* parent, object app_id, tuple key, bint nil, dict sink) except -1:
        cdef NodeVec rows
        cdef Py_ssize_t i
        cdef list out = sink[self.name]
        cdef TablePlan sub
        rows.items = NULL
        rows.n = rows.cap = 0
        try:
            self._select(parent, &rows)
            for i in range(rows.n):
                row = self._row(rows.items[i], i + 1, app_id, key, nil)
                PyList_Append(out, row)
                for sub in self.children:
                    sub._run(rows.items[i], app_id, sub._key(row), nil, sink)
        finally:
            free(rows.items)
        return 0

    cdef tuple _key(self, tuple row):
        cdef int i
        cdef tuple key = PyTuple_New(self.n_inherit)
        for i in range(self.n_inherit):
            if self.inherit[i] >= len(row):
                raise IndexError(f"key position {self.inherit[i]} beyond the parent row of {len(row)}")
            v = row[self.inherit[i]]
            Py_INCREF(v)
            PyTuple_SET_ITEM(key, i, v)
        return key

    cdef int _select(self, tree.xmlNode* parent, NodeVec* rows) except -1:
        if self.n_steps == 0:
            vec_push(rows, parent)
        else:
            self._steps(parent, 0, rows)
        return 0

    cdef int _steps(self, tree.xmlNode* node, int depth, NodeVec* rows) except -1:
        cdef tree.xmlNode* c = node.children
        while c is not NULL:
            if c.type == tree.XML_ELEMENT_NODE and c.ns is not NULL and c.ns.href is NULL:
                raise self.slow
            if c.type == tree.XML_ELEMENT_NODE and same_name(c, self.step_names[depth], self.step_ns[depth]):
                if depth + 1 == self.n_steps:
                    vec_push(rows, c)
                else:
                    self._steps(c, depth + 1, rows)
            c = c.next
        return 0

    cdef tuple _row(self, tree.xmlNode* elem, Py_ssize_t pos, object app_id, tuple key, bint nil):
        cdef int i, k
        cdef list raw = [None] * self.n_probes
        cdef Py_ssize_t nk = len(key)
        cdef tuple row
        cdef tree.xmlNode* c
        cdef char seen[MAX_NODES]  # per call: a converter may run Python code, and another thread with it
        memset(seen, 0, self.n_nodes)
        if self.nodes[0].n_children:
            self._walk(elem, 0, raw, nil, seen)
        self._attrs(elem, 0, raw)
        for i in range(self.n_self):
            v = text_nodes(elem.children, self.slow)
            raw[self.self_probes[i]] = "" if nil and is_nil(elem) else v
        for i in range(self.n_text):
            c = elem.children
            raw[self.text_probes[i]] = None if c is NULL else text_nodes(c, self.slow)
        row = PyTuple_New(nk + self.n_cols)
        for i in range(nk):
            v = key[i]
            Py_INCREF(v)
            PyTuple_SET_ITEM(row, i, v)
        for i in range(self.n_cols):
            v = self._column(&self.cols[i], raw, pos, app_id)
            Py_INCREF(v)
            PyTuple_SET_ITEM(row, nk + i, v)
        return row

    cdef int _attrs(self, tree.xmlNode* elem, int k, list raw) except -1:
        cdef DNode* d = &self.nodes[k]
        cdef DAttr* a
        cdef int j
        for j in range(d.first_attr, d.first_attr + d.n_attrs):
            a = &self.attrs[j]
            raw[a.probe] = attribute(elem, a.name, a.ns, self.slow)
        return 0

    cdef int _walk(self, tree.xmlNode* elem, int level, list raw, bint nil, char* seen) except -1:
        """One pass over elem's children: each one a rule names fills its probes; a second match gives up."""
        cdef DNode* lv = &self.nodes[level]
        cdef DNode* d
        cdef tree.xmlNode* c = elem.children
        cdef int j, k, first, end = lv.first_child + lv.n_children
        while c is not NULL:
            if c.type == tree.XML_ELEMENT_NODE:
                if c.ns is not NULL and c.ns.href is NULL:
                    raise self.slow  # a namespace without a URI: lxml and XPath may read it differently
                k = -1
                for j in range(lv.first_child, end):
                    if same_name(c, self.nodes[j].name, self.nodes[j].ns):
                        k = j
                        break
                if k >= 0:
                    d = &self.nodes[k]
                    if d.n_values:
                        first = self.values[d.first_value]
                        if raw[first] is not None:
                            raise self.slow
                        v = text_nodes(c.children, self.slow)  # children give up, nil or not (as _walk)
                        if nil and is_nil(c):
                            v = ""
                        for j in range(d.first_value, d.first_value + d.n_values):
                            raw[self.values[j]] = v
                    else:
                        if seen[k]:
                            raise self.slow
                        seen[k] = 1
                    if d.n_attrs:
                        self._attrs(c, k, raw)
                    if d.n_children:
                        self._walk(c, k, raw, nil, seen)
            c = c.next
        return 0

    cdef object _column(self, Col* col, list raw, Py_ssize_t pos, object app_id):
        cdef int j
        cdef long long number
        cdef str text
        if col.kind == COL_POSITION:
            return PyLong_FromSsize_t(pos)
        if col.kind == COL_ID:
            return app_id
        if col.kind == COL_CONST:
            return self.objects[col.obj]
        if col.n_probes == 1:
            source = raw[self.col_probes[col.first_probe]]
        else:
            source = None
            for j in range(col.first_probe, col.first_probe + col.n_probes):
                candidate = raw[self.col_probes[j]]
                if candidate is not None and not blank(<str>candidate):
                    source = candidate
                    break
        if col.conv == CV_FINISH:
            return self.objects[col.fast](source)
        if source is None or not source:
            text = None
        else:
            text = strip(<str>source) if col.trim else <str>source
        if not text:
            if col.has_default:
                return self.objects[col.default]
            if col.required:
                raise self.slow
            return None
        if col.conv == CV_STR:
            return text
        if col.conv == CV_VARCHAR:
            if len(text) > col.max_len:
                if not col.truncate:
                    raise self.slow
                return text[:col.max_len]
            return text
        if col.conv == CV_INT:
            if plain_int(text, &number):
                if number < col.lo or number > col.hi:
                    raise self.slow
                return PyLong_FromLongLong(number)
            return self.objects[col.obj](text)
        if col.conv == CV_DECIMAL:
            if col.int_digits and plain_decimal(text, col.int_digits, col.scale):
                return self.objects[col.fast](text)
            return self.objects[col.obj](text)
        if col.conv == CV_BOOL:
            value = self.objects[col.fast].get(text.lower())
            if value is None:
                raise self.slow
            return value
        return self.objects[col.fast](text)
