"""The search index on disk: a one-shot `filmbot film …` loads it instead of rebuilding it (~0.2 s against ~3 s).

A snapshot is the built `SearchIndex` and `WordIndex` of one catalog as they are in memory (pickled whole, so
a change inside the index needs no change here), written after a full build and used only when everything
it was made from is unchanged:

- the catalog: its version, the time of its last change and the time it was seeded (`catalog_state`), so
  any edit (in any process: each one bumps the version), a re-created database or another database with
  the same version number never gets a snapshot that was not made from it;
- the code: FORMAT, a hash of the index modules' source and the versions of the libraries that make keys
  (romanizers, rapidfuzz, numpy, Python), so an upgrade or a ranking change rebuilds it.

One file per database (named by a hash of its URL, password left out) in the user's cache directory
(`platformdirs`, e.g. ~/.cache/filmbot/search-index), a directory of mode 0700 holding files of mode 0600,
each written to a temporary file and renamed into place. A snapshot is read only when that directory and
file belong to this user and nobody else can write them; its header is checked before anything is
unpickled, the payload's BLAKE2 digest must match, and unpickling may only build the index's own types.
Anything wrong (a missing, stale, truncated, corrupt or foreign file) means "no snapshot": the index is
built from the database as before and a new snapshot replaces the old one.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.films.search import SearchDoc, SearchIndex
from bot.films.words import WordIndex

log = logging.getLogger(__name__)

FORMAT = 2  # bump when what a snapshot holds changes in a way the source hash below would not catch
MAGIC = b"filmbot search index\n"
SUFFIX = ".index"
MIN_FILMS = 1000  # smaller catalogs build in well under a snapshot's load time: no file
KEEP_FILES = 8  # snapshots kept in the directory (the least recently used go first)
MAX_HEADER = 4096
# The modules whose code decides what the index holds: any change to them makes older snapshots stale.
INDEX_MODULES = (
    "bot.films.search",
    "bot.films.search_base",
    "bot.films.ngram",
    "bot.films.words",
    "bot.films.normalize",
    "bot.films.romanize",
    "bot.films.namesakes",  # `known` (namesake originals) is kept in the snapshot with the index
    "bot.films.snapshot",
)
KEY_LIBRARIES = ("numpy", "rapidfuzz", "cutlet", "fugashi", "unidic-lite", "pypinyin", "hangul-romanize")


@dataclass(frozen=True, slots=True)
class Indexes:
    """What a snapshot holds and a build makes: the search index, the word index, and the namesake originals
    (`known`, bot.films.namesakes) the search ranks by, which the catalog keeps and hands every index it makes."""

    search: SearchIndex
    words: WordIndex
    known: Mapping[int, float]


@dataclass(frozen=True, slots=True)
class CatalogStamp:
    """What identifies one state of one catalog: its version, the time of that change, when it was seeded."""

    version: int
    changed_at: str
    seeded_at: str


@dataclass(frozen=True, slots=True)
class Header:
    format: int
    code: str
    database: str
    version: int
    changed_at: str
    seeded_at: str
    films: int
    payload_bytes: int
    payload_blake2b: str
    sqlite_file: str | None = None  # the database file, so a snapshot of a deleted database is pruned


_code_version: str | None = None


def code_version() -> str:
    """A digest of the index code and the libraries that make its keys (computed once per process)."""
    global _code_version
    if _code_version is None:
        from importlib.metadata import PackageNotFoundError, version

        digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{pickle.HIGHEST_PROTOCOL}".encode())
        for name in INDEX_MODULES:
            module = sys.modules.get(name)
            source = getattr(module, "__file__", None) if module is not None else None
            if source is None:  # the index modules are imported by now; a frozen build: use the name
                digest.update(name.encode())
                continue
            digest.update(Path(source).read_bytes())
        for lib in KEY_LIBRARIES:
            try:
                digest.update(f"{lib}={version(lib)}".encode())
            except PackageNotFoundError:
                digest.update(f"{lib}=none".encode())
        _code_version = digest.hexdigest()[:32]
    return _code_version


def default_directory() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("filmbot", appauthor=False)) / "search-index"


class IndexSnapshots:
    """Load and save the snapshot of one database's search index (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        database: str,
        *,
        sqlite_file: Path | None = None,
        min_films: int = MIN_FILMS,
        keep: int = KEEP_FILES,
    ) -> None:
        self.directory = directory
        self.database = database  # the database's URL with the password masked (or any stable name)
        self.sqlite_file = sqlite_file
        self.min_films = min_films
        self.keep = keep
        name = hashlib.sha256(database.encode()).hexdigest()[:24]
        self.path = directory / f"{name}{SUFFIX}"

    def _expected(self, stamp: CatalogStamp) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "code": code_version(),
            "database": self.database,
            "version": stamp.version,
            "changed_at": stamp.changed_at,
            "seeded_at": stamp.seeded_at,
        }

    # --- loading -----------------------------------------------------------------------------------

    def load(self, stamp: CatalogStamp) -> Indexes | None:
        """The indexes saved for exactly this catalog state and code; None otherwise."""
        try:
            data = self._read_own_file()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.info("search index snapshot not used: %s", exc)
            return None
        if data is None:
            return None
        found = _parse(data)
        if found is None:
            log.info("search index snapshot %s is damaged; rebuilding it", self.path)
            return None
        header, payload = found
        expected = self._expected(stamp)
        if any(getattr(header, key) != value for key, value in expected.items()):
            log.debug("search index snapshot %s is for another catalog state or code; rebuilding it", self.path)
            return None
        try:
            loaded = _unpickle(payload)
        except Exception as exc:  # a damaged payload that passed the digest, or an unknown type: never trust it
            log.info("search index snapshot %s could not be read (%s); rebuilding it", self.path, exc)
            return None
        if loaded is None or len(loaded.search) != header.films:
            return None
        with contextlib.suppress(OSError):
            os.utime(self.path)  # recently used: pruned last
        return loaded

    def _read_own_file(self) -> bytes | None:
        """The snapshot's bytes, only if its directory and the file are this user's and private."""
        if not self.directory.exists():
            raise FileNotFoundError(self.directory)  # no snapshot saved yet: nothing to say
        if not _private_dir(self.directory):
            log.info("search index snapshot not used: %s is not a private directory of this user", self.directory)
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags)
        with open(fd, "rb") as file:
            st = os.fstat(file.fileno())
            if not stat.S_ISREG(st.st_mode) or not _owned_private(st, 0o077):
                log.info("search index snapshot not used: %s is not a private file of this user", self.path)
                return None
            return file.read()

    # --- saving ------------------------------------------------------------------------------------

    def save(self, stamp: CatalogStamp, indexes: Indexes) -> bool:
        """Write the snapshot atomically (a temporary file renamed over the old one); False if not written."""
        if len(indexes.search) < self.min_films:
            return False
        try:
            payload = _pickle(indexes)
            header = Header(
                **self._expected(stamp),
                films=len(indexes.search),
                payload_bytes=len(payload),
                payload_blake2b=hashlib.blake2b(payload).hexdigest(),
                sqlite_file=str(self.sqlite_file) if self.sqlite_file is not None else None,
            )
            self._make_directory()
            if not _private_dir(self.directory):
                log.info("search index snapshot not saved: %s is not a private directory", self.directory)
                return False
            head = json.dumps(asdict(header), sort_keys=True).encode() + b"\n"
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=SUFFIX)
            try:
                with open(fd, "wb") as file:  # mkstemp made it 0600
                    file.write(MAGIC)
                    file.write(head)
                    file.write(payload)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:  # a read-only or full cache directory: the bot works on, only slower to start
            log.info("search index snapshot not saved: %s", exc)
            return False
        self.prune()
        return True

    def _make_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(self.directory)
        if st.st_uid == _uid() and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(self.directory, 0o700)  # made by an older version or by hand with group/other access

    def prune(self) -> None:
        """Drop snapshots of SQLite databases whose file is gone, and all but the `keep` most recently used."""
        try:
            files = [p for p in self.directory.glob(f"*{SUFFIX}") if p.is_file() and not p.name.startswith(".")]
            stale = [p for p in self.directory.glob(f".tmp-*{SUFFIX}") if _older_than(p, 3600)]
        except OSError:
            return
        alive: list[tuple[float, Path]] = []
        for path in files:
            gone = path != self.path and _database_gone(path)
            with contextlib.suppress(OSError):
                if gone:
                    path.unlink()
                else:
                    alive.append((path.stat().st_mtime, path))
        alive.sort(reverse=True)
        for _, path in [a for a in alive if a[1] != self.path][max(self.keep - 1, 0) :]:
            with contextlib.suppress(OSError):
                path.unlink()
        for path in stale:  # left by a process killed while writing
            with contextlib.suppress(OSError):
                path.unlink()


# --- the file format -----------------------------------------------------------------------------------


def _parse(data: bytes) -> tuple[Header, memoryview] | None:
    """The header and the payload, if the file is whole: magic, a JSON header, a payload of its digest."""
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER)
    if end < 0:
        return None
    try:
        fields = json.loads(data[len(MAGIC) : end])
        header = Header(**fields)
    except (ValueError, TypeError):
        return None
    payload = memoryview(data)[end + 1 :]
    if len(payload) != header.payload_bytes or hashlib.blake2b(payload).hexdigest() != header.payload_blake2b:
        return None
    return header, payload


def _doc_fields(doc: SearchDoc) -> tuple[Any, ...]:
    return tuple(getattr(doc, name) for name in SearchDoc.__slots__)


class _Pickler(pickle.Pickler):
    """SearchDoc as its constructor's arguments: about 3x faster to load than a frozen dataclass's state."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is SearchDoc:
            return SearchDoc, _doc_fields(obj)
        return NotImplemented


def _pickle(indexes: Indexes) -> bytes:
    # `learned` and `known` are the catalog's, handed to every index it makes; `known` is saved beside it
    bare = copy.copy(indexes.search)
    bare.learned, bare.known = {}, {}
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((bare, indexes.words, dict(indexes.known)))
    return buffer.getvalue()


# Unpickling builds only these: the index's classes, numpy arrays and the builtins they hold.
_ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset({"dict", "list", "set", "frozenset", "tuple", "int", "float", "str", "bytes", "bytearray"}),
    "copyreg": frozenset({"_reconstructor", "__newobj__"}),
    "array": frozenset({"array", "_array_reconstructor"}),
    "numpy": frozenset({"dtype", "ndarray"}),
    "numpy.core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.numeric": frozenset({"_frombuffer"}),
    "numpy.core.numeric": frozenset({"_frombuffer"}),
    "bot.films.search": frozenset({"SearchIndex", "SearchDoc"}),
    "bot.films.search_base": frozenset({"BaseTable", "DeltaTable"}),
    "bot.films.ngram": frozenset({"GramIndex", "GramPostings"}),
    "bot.films.words": frozenset({"WordIndex"}),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a search index")


def _unpickle(payload: memoryview) -> Indexes | None:
    loaded = _Unpickler(io.BytesIO(payload)).load()
    if (
        not isinstance(loaded, tuple)
        or len(loaded) != 3
        or not isinstance(loaded[0], SearchIndex)
        or not isinstance(loaded[1], WordIndex)
        or not isinstance(loaded[2], dict)
    ):
        return None
    return Indexes(loaded[0], loaded[1], loaded[2])


# --- files and owners ----------------------------------------------------------------------------------


def _uid() -> int | None:
    getuid: Callable[[], int] | None = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _owned_private(st: os.stat_result, forbidden: int) -> bool:
    uid = _uid()
    if uid is None:  # Windows: the user's profile directory is private by default
        return True
    return st.st_uid == uid and not stat.S_IMODE(st.st_mode) & forbidden


def _private_dir(directory: Path) -> bool:
    try:
        st = os.stat(directory, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _owned_private(st, 0o077)


def _older_than(path: Path, seconds: float) -> bool:
    import time

    try:
        return path.stat().st_mtime < time.time() - seconds
    except OSError:
        return False


def _database_gone(path: Path) -> bool:
    """Whether this snapshot's header names a SQLite file that no longer exists."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(MAGIC) + MAX_HEADER)
    except OSError:
        return False
    end = head.find(b"\n", len(MAGIC))
    if not head.startswith(MAGIC) or end < 0:
        return True  # not a snapshot this version can read
    try:
        name = json.loads(head[len(MAGIC) : end]).get("sqlite_file")
    except (ValueError, AttributeError):
        return True
    return isinstance(name, str) and not Path(name).exists()
