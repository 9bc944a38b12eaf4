"""The June report (HTML, PDF, XLSX, DOCX) and respondent-level exports, from one comparison."""
