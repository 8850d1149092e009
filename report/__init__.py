"""Writers of evaluation results: the JSON document, tables and files."""

from report.json_result import result_document, write_json
from report.table import format_table

__all__ = ["format_table", "result_document", "write_json"]
