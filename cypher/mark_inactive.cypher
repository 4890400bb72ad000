// Records missing from a full export: inactive since $day, never deleted.
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
SET r.status = 'inactive', r.status_since = $day, r.changed_run = $run
CREATE (:History {uid: uid, run: $run, status: 'inactive', data: r.data})
RETURN count(r) AS n
