-- Spans of an opened case file (the registered Arrow table `case_spans`) that the database does
-- not hold yet, attributed to the case file's source ($source_id). Spans already here are kept
-- as they are: the user's copy is the full one, the case file's may have secrets masked.
INSERT INTO spans BY NAME
SELECT c.* REPLACE ($source_id AS source_id)
FROM case_spans c
ANTI JOIN spans s ON s.trace_id = c.trace_id AND s.span_id = c.span_id;
