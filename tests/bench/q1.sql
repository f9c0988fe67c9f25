-- Floor of Q1: a township's first 20 children by name (21 read, to know whether a next
-- page exists), their current guardians, and each child's last 3 visits; one statement per
-- level, the rows a hand-written client would fetch. Variables: :township, a quoted
-- region_path prefix ('652700/652701/652701100/%').
SELECT json_agg(page) AS children, quote_literal(array_agg(page.id)::text) AS ids
FROM (SELECT id, name FROM child WHERE region_path LIKE :township ORDER BY name, id LIMIT 21) page
\gset
SELECT link.child_id, guardian.name, link.relation
FROM child_guardian link JOIN guardian ON guardian.id = link.guardian_id
WHERE link.child_id = ANY (:ids::uuid[]) AND link.ended_at IS NULL;
SELECT child_id, visited_at, method
FROM (SELECT child_id, visited_at, method,
             row_number() OVER (PARTITION BY child_id ORDER BY visited_at DESC, id DESC) AS n
      FROM visit WHERE child_id = ANY (:ids::uuid[])) latest
WHERE n <= 4;
