// Tests only: empty the test database between tests.
MATCH (n) DETACH DELETE n
