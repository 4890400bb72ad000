// Tests and benchmarks only: empty the test database between tests, ten thousand nodes
// a transaction (a 500-account graph deleted in one would pass the server's memory limit
// for a transaction).  Runs in an auto-commit transaction (session.run).
MATCH (n)
CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
