"""The results store: every finished run in SQLite, written at once and atomically.

One row per run, keyed by the run's identity (scenario content, strategy and
parameters, seed, replication). A write is one transaction, so a sweep killed at any
moment leaves only whole runs behind and resumes by skipping the keys already stored.
Writing a key that is stored with *different* numbers is refused — results are never
overwritten silently — while writing the identical record again (a task a cluster
retried) is a no-op.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.errors import RecruitsimError, ResourceError

DEFAULT_DB = Path("results") / "results.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    scenario TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    strategy TEXT NOT NULL,
    params TEXT NOT NULL,
    sweep TEXT NOT NULL,
    seed INTEGER NOT NULL,
    replication INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario, strategy);
"""


class StoreConflict(RecruitsimError):
    """A run is already stored with different results."""


class StoreFull(ResourceError):
    """The results store could not be written (full disk, read-only file, I/O error)."""


class ResultsStore:
    """An SQLite file of run records.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder if missing).
    """

    def __init__(self, path: str | Path = DEFAULT_DB) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise RecruitsimError(f"{self.path}: is a folder, expected a results database file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecruitsimError(
                f"{self.path}: cannot create its folder ({exc.strerror or exc})"
            ) from None
        try:
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as exc:
            raise RecruitsimError(
                f"{self.path}: cannot open the results database ({exc})"
            ) from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._check_columns()
        except sqlite3.OperationalError as exc:
            self._db.close()
            if _is_full(exc):
                raise StoreFull(self._full_message(exc)) from None
            raise RecruitsimError(
                f"{self.path}: not a recruitsim results database ({exc})"
            ) from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RecruitsimError(
                f"{self.path}: not a recruitsim results database ({exc})"
            ) from None

    def _check_columns(self) -> None:
        """Refuse an SQLite file whose ``runs`` table is not ours."""
        have = [row[1] for row in self._db.execute("PRAGMA table_info(runs)")]
        want = ["key", "scenario", "scenario_hash", "strategy", "params", "sweep", "seed",
                "replication", "metrics", "record", "created_at"]  # fmt: skip
        if have != want:
            raise sqlite3.DatabaseError(f"its runs table has columns {have}")

    def _full_message(self, exc: Exception) -> str:
        stored = ""
        try:
            stored = f"the {len(self)} runs already stored are kept; "
        except sqlite3.Error:
            pass
        return (
            f"{self.path}: cannot write the results database: {exc}; {stored}free some space "
            "(or use --db elsewhere) and run the same command again to resume"
        )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def keys(self) -> set[str]:
        """Keys of every stored run."""
        return {row[0] for row in self._db.execute("SELECT key FROM runs")}

    def __contains__(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM runs WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def write(self, record: dict) -> bool:
        """Store one run record in one transaction.

        Returns
        -------
        bool
            True if written, False if the identical record was already there.

        Raises
        ------
        StoreConflict
            The key is stored with different metrics.
        """
        metrics = json.dumps(record["summary"]["metrics"], sort_keys=True)
        try:
            return self._write(record, metrics)
        except sqlite3.OperationalError as exc:
            if _is_full(exc):
                raise StoreFull(self._full_message(exc)) from None
            raise
        except sqlite3.DatabaseError as exc:  # disk I/O error, a file changed under us
            raise StoreFull(self._full_message(exc)) from None

    def _write(self, record: dict, metrics: str) -> bool:
        with self._transaction():
            row = self._db.execute(
                "SELECT metrics FROM runs WHERE key = ?", (record["key"],)
            ).fetchone()
            if row is not None:
                if row[0] == metrics:
                    return False
                raise StoreConflict(
                    f"{self.path}: run {record['scenario']}/{record['strategy']} replication "
                    f"{record['replication']} is already stored with different results; "
                    "use another --db or delete the file to start over"
                )
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record["key"],
                    record["scenario"],
                    record["manifest"]["scenario_hash"],
                    record["strategy"],
                    json.dumps(record["params"], sort_keys=True),
                    json.dumps(record["sweep"], sort_keys=True),
                    record["seed"],
                    record["replication"],
                    metrics,
                    json.dumps(record),
                    record["manifest"]["created_at"],
                ),
            )
        return True

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, *rest):
                if exc_type is None:
                    db.execute("COMMIT")
                elif db.in_transaction:  # sqlite may already have rolled back (disk full)
                    db.execute("ROLLBACK")
                return False

        return _Tx()

    def records(self, keys: Iterable[str] | None = None) -> list[dict]:
        """Stored records (all, or those with ``keys``), in a stable order."""
        rows = self._db.execute(
            "SELECT key, record FROM runs ORDER BY scenario, sweep, replication, strategy, key"
        )
        wanted = None if keys is None else set(keys)
        return [json.loads(r) for k, r in rows if wanted is None or k in wanted]

    def export_csv(self, path: str | Path, keys: Iterable[str] | None = None) -> Path:
        """One row per run: identity columns and every scalar metric."""
        rows = list(tidy_runs(self.records(keys)))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            if rows:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        return path

    def export_parquet(self, path: str | Path, keys: Iterable[str] | None = None) -> Path:
        """The same table as :meth:`export_csv` as Parquet (needs pyarrow)."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise RecruitsimError("Parquet export needs pyarrow: pip install pyarrow") from None
        rows = list(tidy_runs(self.records(keys)))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), path)
        return path


def _is_full(exc: Exception) -> bool:
    """Whether an SQLite error means there is no room to write (disk or size limit)."""
    text = str(exc).lower()
    return "full" in text or "disk i/o" in text or "readonly" in text or "read-only" in text


def tidy_runs(records: Iterable[dict]) -> Iterator[dict]:
    """One flat dict per run: identity, swept fields and scalar metrics."""
    for rec in records:
        row = {
            "key": rec["key"],
            "scenario": rec["scenario"],
            "strategy": rec["strategy"],
            "params": json.dumps(rec["params"], sort_keys=True),
            "seed": rec["seed"],
            "replication": rec["replication"],
        }
        for path, value in sorted(rec["sweep"].items()):
            row[f"set:{path}"] = value
        for name, value in rec["summary"]["metrics"].items():
            if isinstance(value, dict):
                for group, count in value.items():
                    row[f"{name}.{group}"] = count
            else:
                row[name] = value
        yield row
