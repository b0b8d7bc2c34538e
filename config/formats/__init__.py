"""Date and number formats of PositionFlow (``FORMAT_MODULE_PATH``): dates read
dd/mm/yyyy in both languages, as on every Vietnamese administrative document."""
