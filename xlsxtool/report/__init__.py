"""Reports built from findings: the annotated workbook and friends."""
