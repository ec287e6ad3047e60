-- A new review queue's items: the traces or spans a filter matches, oldest first, frozen so
-- "12 / 140" keeps meaning the same thing while the reviewer labels. {source} is `traces` or
-- `spans`, {span_id} the span id column ('' for traces), {where} the compiled filter (its
-- values bound as ? parameters, after the queue id).
INSERT INTO review_items (queue_id, position, trace_id, span_id)
SELECT ?,                                                   -- the queue
       (row_number() OVER (ORDER BY start_ns NULLS LAST, trace_id, {span_id}) - 1)::INTEGER, -- order
       trace_id,                                            -- the item's trace
       {span_id}                                            -- its span, '' for a trace
FROM {source}
WHERE {where};
