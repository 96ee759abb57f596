"""The official paperwork drawn from the workflow's report data: Word forms (python-docx), Excel summaries
(openpyxl) and PNG charts (matplotlib). Pure functions from data to bytes; no database, no messaging platform."""
