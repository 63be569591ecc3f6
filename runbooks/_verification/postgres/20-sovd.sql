-- SOVD Web Application (sovd-web-application.md): the users table that
-- "Issue 4: Rate Limiting" updates and queries (username, role), with the two
-- accounts the runbook names: the admin test account and john_doe, an engineer.
CREATE TABLE users (
    id       serial PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    role     varchar(20) NOT NULL
);

INSERT INTO users (username, role) VALUES
    ('admin', 'admin'),
    ('john_doe', 'engineer');
