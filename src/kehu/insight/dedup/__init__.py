"""Finding the customers that are the same entity.

Finding the customers that are the same entity: standardised names (Latin and
Chinese, through pinyin, without company suffixes), emails, phones in any format and
addresses, compared by a Fellegi-Sunter model fitted without labels (Splink on DuckDB).
"""
