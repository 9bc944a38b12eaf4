"""Reading tables that people upload (CSV or XLSX) and importing earlier rounds from them."""
