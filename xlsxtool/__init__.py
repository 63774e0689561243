"""xlsxtool — read, validate and annotate 绩效自评表 workbooks.

Pipeline: read → locate → normalize → validate → report; the public API lives in `xlsxtool.api`.
"""

__version__ = "0.1.0"
