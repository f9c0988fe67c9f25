-- Floor of Q2: one child by id with every ledger field, its current guardians and its visits
-- (up to 100, newest first). Variables: :child, a quoted child id.
SELECT * FROM child WHERE id = :child;
SELECT link.*, guardian.*
FROM child_guardian link JOIN guardian ON guardian.id = link.guardian_id
WHERE link.child_id = :child AND link.ended_at IS NULL;
SELECT * FROM visit WHERE child_id = :child ORDER BY visited_at DESC, id DESC LIMIT 101;
