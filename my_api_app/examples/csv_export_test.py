"""CSV export writer: header, rows, formula neutralisation, encoding."""

import csv
import io

from my_api_app.examples.csv_export import CsvWriter, cell


def test_formula_like_cells_are_neutralised():
	for dangerous in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"):
		assert cell(dangerous) == "'" + dangerous
	assert cell("plain =") == "plain ="
	assert cell(None) == ""
	assert cell(3) == "3"


def test_writer_outputs_utf8_bom_header_and_rows_in_column_order():
	writer = CsvWriter(("name", "description"))
	writer.write([{"name": "T1", "description": 'He said "hi", then\nleft', "ignored": 1}])
	writer.write([{"name": "T2"}])
	data = writer.getvalue()
	assert data.startswith("\ufeff".encode())
	rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
	assert rows == [["name", "description"], ["T1", 'He said "hi", then\nleft'], ["T2", ""]]
	assert writer.rows == 2
