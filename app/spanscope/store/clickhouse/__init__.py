"""A ClickHouse trace store as a source: the same questions as the local database, answered by
ClickHouse (``source``), through one of two clients (``http``, ``embedded``), and traces
copied into the local database as an OTLP file (``pulled_file``)."""
