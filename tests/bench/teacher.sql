-- Floor of the teacher's home screen: the children a teacher helps (first 30 by name), their
-- current guardians, when each was last visited, open absences and contacts with guardians.
-- Variables: :teacher, a quoted account id.
SELECT json_agg(page) AS children, quote_literal(coalesce(array_agg(page.id), '{}')::text) AS ids
FROM (SELECT child.id, child.name
      FROM pairing JOIN child ON child.id = pairing.child_id
      WHERE pairing.teacher_account_id = :teacher AND pairing.ended_on IS NULL
      ORDER BY child.name, child.id LIMIT 31) page
\gset
SELECT link.child_id, guardian.name, guardian.phone
FROM child_guardian link JOIN guardian ON guardian.id = link.guardian_id
WHERE link.child_id = ANY (:ids::uuid[]) AND link.ended_at IS NULL;
SELECT child_id, max(visited_at) FROM visit WHERE child_id = ANY (:ids::uuid[]) GROUP BY child_id;
SELECT child_id, absent_on FROM school_absence WHERE child_id = ANY (:ids::uuid[]);
SELECT child_id, summary FROM guardian_contact WHERE child_id = ANY (:ids::uuid[]);
