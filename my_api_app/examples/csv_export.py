"""CSV files for exports: a header row, then one row per record, with cells that a
spreadsheet would run as a formula neutralised (OWASP "CSV injection")."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
	"""A value as a CSV cell: None is empty; text starting like a formula gets a leading '."""
	if value is None:
		return ""
	text = str(value)
	return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class CsvWriter:
	"""Rows in, UTF-8 bytes out (with a BOM, so spreadsheets read the encoding)."""

	def __init__(self, columns: Sequence[str]):
		self.columns = tuple(columns)
		self._buffer = io.StringIO()
		self._writer = csv.writer(self._buffer, lineterminator="\r\n")
		self._writer.writerow(self.columns)
		self.rows = 0

	def write(self, records: Iterable[Mapping]) -> None:
		for record in records:
			self._writer.writerow([cell(record.get(column)) for column in self.columns])
			self.rows += 1

	def getvalue(self) -> bytes:
		return "\ufeff".encode() + self._buffer.getvalue().encode()
