// The newest sync run's id, whatever its state: a run that started after a read began
// shows here at once.
MATCH (s:SyncRun)
RETURN max(s.id) AS id
