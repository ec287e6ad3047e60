"""A ClickHouse trace store as a source: the same questions as the local database, answered by
ClickHouse (``source``), through the clickhouse-connect client (``client``), and traces
copied into the local database as an OTLP file (``pulled_file``)."""
