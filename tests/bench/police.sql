-- Floor of the police inbox: the first 20 reports a county bureau holds, with each report's
-- child and place. Variables: :police, a quoted organization id.
SELECT json_agg(page) AS reports,
       quote_literal(coalesce(array_agg(page.child_id), '{}')::text) AS children,
       quote_literal(coalesce(array_agg(page.region_id), '{}')::text) AS regions
FROM (SELECT id, category, urgency, state, submitted_at, accepted_at, dispatched_at,
             responded_at, child_id, region_id
      FROM report WHERE holder_organization_id = :police ORDER BY id LIMIT 21) page
\gset
SELECT id, name FROM child WHERE id = ANY (:children::uuid[]);
SELECT id, name FROM region WHERE id = ANY (:regions::uuid[]);
