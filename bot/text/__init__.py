"""Text: normalisation (NFC, case, diacritics, tone placement), the lexicon and question analysis."""
