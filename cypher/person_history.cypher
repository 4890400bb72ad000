// Every stored version of a person's records and of the records that involve them, as
// the embedded store finds them: the person (by exact uid, one per source), what names
// them as its person (team seats, deal roles), either side of a link, and the influence
// lines from or to them.  Each branch starts from an index.
CALL {
  UNWIND $uids AS uid
  MATCH (r:Record {uid: uid})
  RETURN r
  UNION
  MATCH (r:Record {person_id: $id})
  WHERE r.kind IN ['opportunity_role', 'team_member']
  RETURN r
  UNION
  MATCH (r:Record {customer_id: $id})
  WHERE r.kind IN ['relationship', 'touch', 'contact_log']
  RETURN r
  UNION
  MATCH (r:Record {supplier_id: $id})
  WHERE r.kind IN ['relationship', 'touch', 'contact_log']
  RETURN r
  UNION
  MATCH (r:Record {kind: 'influence'})
  WHERE r.key STARTS WITH $prefix OR r.key ENDS WITH $suffix
  RETURN r
}
MATCH (h:History {uid: r.uid})
RETURN h.uid AS uid, h.run AS run, h.status AS status, h.data AS data
ORDER BY h.run
