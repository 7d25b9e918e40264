#!/usr/bin/python3
"""Debian's python3-lmdb (1.4.0, unmodified) driven on alder's liblmdb.so.0.

Run with the shim's directory in LD_LIBRARY_PATH (ctest's lmdb_python does;
by hand: bindings/lmdb/alder-lmdb-run /usr/bin/python3 python_test.py).
The first test proves from /proc/self/maps that the liblmdb.so.0 mapped
into this process is alder's (ALDER_LMDB_EXPECT names its directory) and
that python3-lmdb loaded its C extension, not its cffi fallback. The others
cover what programs use: open (directory and subdir=False, read-only),
read and write txns, the spare read txn's reset/renew, cursors and
iteration, named dbs with flags, copy (plain, compact, to a file object),
readers, stat/info/flags, map size and MDB_MAP_FULL, and the errors
LMDB raises.
"""
import os
import struct
import tempfile
import unittest

import lmdb


def mapped_liblmdb():
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "liblmdb" in line}
    return sorted(paths)


class LoadedShim(unittest.TestCase):
    def test_shim_is_the_mapped_liblmdb(self):
        paths = mapped_liblmdb()
        self.assertEqual(len(paths), 1, paths)
        expect = os.environ.get("ALDER_LMDB_EXPECT")
        self.assertIsNotNone(expect, "set ALDER_LMDB_EXPECT to the shim's directory")
        self.assertEqual(os.path.dirname(os.path.realpath(paths[0])), os.path.realpath(expect))

    def test_c_extension_not_cffi(self):
        # A symbol missing from the shim would make the C extension fail to
        # load and python3-lmdb fall back to cffi (LMDB_FORCE_CPYTHON=1,
        # set by ctest, turns that into an ImportError instead).
        import sys
        self.assertIn("lmdb.cpython", sys.modules)
        self.assertEqual(lmdb.version(), (0, 9, 24))


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="alder_lmdb_py_")
        self.path = os.path.join(self.tmp.name, "env")
        self.env = lmdb.open(self.path, max_dbs=8, map_size=64 << 20)

    def tearDown(self):
        self.env.close()
        self.tmp.cleanup()


class Basics(Base):
    def test_layout(self):
        names = sorted(os.listdir(self.path))
        self.assertEqual(names, ["data.mdb", "data.mdb-lock"])

    def test_put_get_delete(self):
        with self.env.begin(write=True) as txn:
            self.assertTrue(txn.put(b"a", b"1"))
            self.assertTrue(txn.put(b"b", b"2"))
            self.assertFalse(txn.put(b"a", b"x", overwrite=False))
            self.assertEqual(txn.get(b"a"), b"1")
            self.assertTrue(txn.replace(b"b", b"22") == b"2")
            self.assertEqual(txn.pop(b"b"), b"22")
            self.assertFalse(txn.delete(b"zz"))
        with self.env.begin() as txn:
            self.assertEqual(txn.get(b"a"), b"1")
            self.assertIsNone(txn.get(b"b"))
            self.assertEqual(txn.get(b"missing", default=b"d"), b"d")

    def test_abort_discards(self):
        txn = self.env.begin(write=True)
        txn.put(b"k", b"v")
        txn.abort()
        with self.env.begin() as txn:
            self.assertIsNone(txn.get(b"k"))

    def test_txn_ids_and_snapshots(self):
        with self.env.begin(write=True) as txn:
            self.assertEqual(txn.id(), 1)
            txn.put(b"k", b"1")
        reader = self.env.begin()  # renews the spare read txn
        self.assertEqual(reader.id(), 1)
        with self.env.begin(write=True) as txn:
            txn.put(b"k", b"2")
        self.assertEqual(reader.get(b"k"), b"1")  # its snapshot
        reader.abort()
        for _ in range(50):  # the spare read txn: reset and renewed each time
            with self.env.begin() as txn:
                self.assertEqual(txn.get(b"k"), b"2")
                self.assertEqual(txn.id(), 2)
        self.assertEqual(self.env.info()["last_txnid"], 2)

    def test_bad_keys(self):
        with self.env.begin(write=True) as txn:
            with self.assertRaises(lmdb.BadValsizeError):
                txn.put(b"", b"v")
            with self.assertRaises(lmdb.BadValsizeError):
                txn.put(b"k" * 512, b"v")
            self.assertTrue(txn.put(b"k" * 511, b"v"))
        self.assertEqual(self.env.max_key_size(), 511)

    def test_readonly_txn_refuses_writes(self):
        with self.env.begin() as txn:
            with self.assertRaises(lmdb.ReadonlyError):
                txn.put(b"k", b"v")


class Cursors(Base):
    def setUp(self):
        super().setUp()
        with self.env.begin(write=True) as txn:
            for i in range(100):
                txn.put(b"k%03d" % i, b"v%d" % i)

    def test_iteration(self):
        with self.env.begin() as txn:
            cur = txn.cursor()
            keys = [k for k, _ in cur]
            self.assertEqual(keys, [b"k%03d" % i for i in range(100)])
            self.assertEqual([k for k in cur.iterprev(values=False)][:2], [b"k099", b"k098"])
            self.assertTrue(cur.set_range(b"k050x"))
            self.assertEqual(cur.key(), b"k051")
            self.assertTrue(cur.set_key(b"k010"))
            self.assertEqual(cur.value(), b"v10")
            self.assertFalse(cur.set_key(b"nope"))
            self.assertTrue(cur.first() and cur.key() == b"k000")
            self.assertTrue(cur.last() and cur.key() == b"k099")
            self.assertFalse(cur.next())
            self.assertEqual(dict(cur.getmulti([b"k001", b"k002"])),
                             {b"k001": b"v1", b"k002": b"v2"})

    def test_delete_and_write_through_cursor(self):
        with self.env.begin(write=True) as txn:
            cur = txn.cursor()
            self.assertTrue(cur.set_key(b"k010"))
            self.assertTrue(cur.delete())
            self.assertEqual(cur.key(), b"k011")  # the following entry
            self.assertTrue(cur.put(b"k010", b"back"))
            self.assertEqual(cur.key(), b"k010")
            self.assertEqual(cur.replace(b"k020", b"twenty"), b"v20")
            self.assertEqual(cur.pop(b"k030"), b"v30")
            txn.delete(b"k031")  # through mdb_del: the cursor copes
            self.assertTrue(cur.set_key(b"k029"))
            self.assertTrue(cur.next())
            self.assertEqual(cur.key(), b"k032")
        with self.env.begin() as txn:
            self.assertEqual(txn.get(b"k010"), b"back")
            self.assertEqual(txn.stat()["entries"], 98)

    def test_putmulti_append(self):
        with self.env.begin(write=True) as txn:
            cur = txn.cursor()
            consumed, added = cur.putmulti([(b"z%03d" % i, b"v") for i in range(50)], append=True)
            self.assertEqual((consumed, added), (50, 50))
            self.assertFalse(txn.put(b"a", b"v", append=True))  # MDB_KEYEXIST


class NamedDbs(Base):
    def test_flags_and_order(self):
        ints = self.env.open_db(b"ints", integerkey=True)
        rev = self.env.open_db(b"rev", reverse_key=True)
        plain = self.env.open_db(b"plain")
        with self.env.begin(write=True) as txn:
            for n in (300, 2, 70000, 1):
                txn.put(struct.pack("=I", n), b"v", db=ints)
            for k in (b"xa", b"yb", b"ac"):
                txn.put(k, b"v", db=rev)
            txn.put(b"p", b"v", db=plain)
        with self.env.begin() as txn:
            got = [struct.unpack("=I", k)[0] for k in txn.cursor(db=ints).iternext(values=False)]
            self.assertEqual(got, [1, 2, 300, 70000])
            self.assertEqual(list(txn.cursor(db=rev).iternext(values=False)), [b"xa", b"yb", b"ac"])
            self.assertEqual(txn.stat(ints)["entries"], 4)
        self.assertEqual(ints.flags(self.env.begin())["integerkey"], True)
        self.assertEqual(rev.flags(self.env.begin())["reverse_key"], True)
        with self.env.begin(write=True) as txn:
            txn.drop(plain, delete=True)
            txn.drop(rev, delete=False)
        with self.env.begin() as txn:
            self.assertEqual(txn.stat(rev)["entries"], 0)

    def test_flags_survive_reopen(self):
        self.env.open_db(b"ints", integerkey=True)
        self.env.close()
        self.env = lmdb.open(self.path, max_dbs=8)
        db = self.env.open_db(b"ints")
        self.assertTrue(db.flags(self.env.begin())["integerkey"])

    def test_unsupported_fail_loudly(self):
        with self.assertRaises(lmdb.IncompatibleError):
            self.env.open_db(b"dups", dupsort=True)
        with self.assertRaises(lmdb.NotFoundError):
            self.env.open_db(b"absent", create=False)
        with self.env.begin(write=True) as txn:
            with self.assertRaises(lmdb.IncompatibleError):
                self.env.begin(write=True, parent=txn)

    def test_dbs_full(self):
        for i in range(8):
            self.env.open_db(b"db%d" % i)
        with self.assertRaises(lmdb.DbsFullError):
            self.env.open_db(b"one-too-many")


class EnvLevel(Base):
    def test_stat_info_flags_path(self):
        with self.env.begin(write=True) as txn:
            txn.put(b"k", b"v")
        self.assertEqual(self.env.stat()["entries"], 1)
        self.assertEqual(self.env.stat()["psize"], 4096)
        info = self.env.info()
        self.assertEqual(info["map_size"], 64 << 20)
        self.assertEqual(info["max_readers"], 126)
        flags = self.env.flags()
        self.assertTrue(flags["subdir"])
        self.assertFalse(flags["readonly"])
        self.assertEqual(self.env.path(), self.path)
        self.env.sync(True)

    def test_readers(self):
        txn = self.env.begin()
        text = self.env.readers()
        self.assertTrue(text.startswith("    pid     thread     txnid\n"), text)
        self.assertIn("%10d " % os.getpid(), text)
        txn.abort()
        self.assertEqual(self.env.reader_check(), 0)

    def test_copy(self):
        with self.env.begin(write=True) as txn:
            for i in range(1000):
                txn.put(b"%05d" % i, b"x" * 100)
            for i in range(0, 1000, 2):
                txn.delete(b"%05d" % i)
        for compact in (False, True):
            dst = os.path.join(self.tmp.name, "copy%d" % compact)
            os.mkdir(dst)
            self.env.copy(dst, compact=compact)
            with lmdb.open(dst, readonly=True) as env2:
                with env2.begin() as txn:
                    self.assertEqual(txn.stat()["entries"], 500)
                    self.assertEqual(txn.get(b"00001"), b"x" * 100)
        dst = os.path.join(self.tmp.name, "fileobj.mdb")
        with open(dst, "wb") as fp:
            self.env.copyfd(fp.fileno())
        with lmdb.open(dst, readonly=True, subdir=False) as env2:
            self.assertEqual(env2.stat()["entries"], 500)

    def test_map_full_then_resize(self):
        self.env.close()
        self.env = lmdb.open(self.path, map_size=1 << 20)
        with self.assertRaises(lmdb.MapFullError):
            with self.env.begin(write=True) as txn:
                for i in range(10000):
                    txn.put(b"%06d" % i, b"x" * 500)
        self.env.set_mapsize(64 << 20)
        with self.env.begin(write=True) as txn:
            for i in range(10000):
                txn.put(b"%06d" % i, b"x" * 500)
        self.assertEqual(self.env.stat()["entries"], 10000)
        self.assertEqual(self.env.info()["map_size"], 64 << 20)


class OpenModes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="alder_lmdb_py_")

    def tearDown(self):
        self.tmp.cleanup()

    def test_subdir_false_and_readonly(self):
        path = os.path.join(self.tmp.name, "file.mdb")
        with lmdb.open(path, subdir=False, sync=False, metasync=False) as env:
            with env.begin(write=True) as txn:
                txn.put(b"k", b"v")
            self.assertFalse(env.flags()["sync"])
        self.assertTrue(os.path.exists(path + "-lock"))
        with lmdb.open(path, subdir=False, readonly=True, lock=False) as env:
            with env.begin() as txn:
                self.assertEqual(txn.get(b"k"), b"v")
            with self.assertRaises(lmdb.ReadonlyError):
                env.begin(write=True)

    def test_readonly_never_creates(self):
        with self.assertRaises(lmdb.Error):
            lmdb.open(os.path.join(self.tmp.name, "absent"), readonly=True)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "absent")))

    def test_foreign_file_is_invalid(self):
        path = os.path.join(self.tmp.name, "junk.mdb")
        with open(path, "wb") as fp:
            fp.write(b"j" * 8192)
        with self.assertRaises(lmdb.InvalidError):
            lmdb.open(path, subdir=False)
        with open(path, "rb") as fp:
            self.assertEqual(fp.read(), b"j" * 8192)


if __name__ == "__main__":
    unittest.main(verbosity=2)
