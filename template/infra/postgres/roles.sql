-- The database's least-privilege roles (docs/runbooks/database-roles.md). Idempotent: run as
-- the superuser POSTGRES_USER, connected to POSTGRES_DB, before every migration (the db-roles
-- service of compose.prod.yaml, which scripts/deploy runs first), on a fresh database and on
-- one that existed before these roles did. The superuser is used for nothing else.
--
--   owner    DB_OWNER_USER    owns the database, its schemas, tables and sequences: migrations
--                             and restores (CREATEDB: a restore builds a scratch database;
--                             pg_signal_backend: it closes the API's sessions to swap it in)
--   api      DB_API_USER      SELECT, INSERT, UPDATE, DELETE on the tables, USAGE on the
--                             sequences; no CREATE anywhere, no server programs or files
--   monitor  DB_MONITOR_USER  pg_monitor (postgres-exporter); optional
--   backup   DB_BACKUP_USER   pg_read_all_data (pg_dump); pgBackRest's base backups: settings,
--                             checkpoints, backup start and stop, WAL switch; optional
--
-- Names and passwords come from the environment (\getenv, psql 15+), never from arguments a
-- process list would show. Each run sets every password again, so a rotated one applies.
\set ON_ERROR_STOP on
\set QUIET on

\set owner ''
\set owner_password ''
\set api ''
\set api_password ''
\set monitor ''
\set monitor_password ''
\set backup ''
\set backup_password ''
\getenv owner DB_OWNER_USER
\getenv owner_password DB_OWNER_PASSWORD
\getenv api DB_API_USER
\getenv api_password DB_API_PASSWORD
\getenv monitor DB_MONITOR_USER
\getenv monitor_password DB_MONITOR_PASSWORD
\getenv backup DB_BACKUP_USER
\getenv backup_password DB_BACKUP_PASSWORD

-- Refuse, naming every missing variable, before anything changes. A role is optional only as
-- a whole: its password is required once its user is set.
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              'db-roles: not set: ' || string_agg(name, ', ' ORDER BY position)
              || ' (see env/<environment>.env.example; `make env` adds missing secrets)')
  FROM (VALUES (1, 'DB_OWNER_USER', :'owner' = ''),
               (2, 'DB_OWNER_PASSWORD', :'owner_password' = ''),
               (3, 'DB_API_USER', :'api' = ''),
               (4, 'DB_API_PASSWORD', :'api_password' = ''),
               (5, 'DB_MONITOR_PASSWORD', :'monitor' <> '' AND :'monitor_password' = ''),
               (6, 'DB_BACKUP_PASSWORD', :'backup' <> '' AND :'backup_password' = ''))
       AS required(position, name, missing)
 WHERE missing
HAVING count(*) > 0
\gexec
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              'db-roles: run as a superuser, not as ' || current_user)
 WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
\gexec
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              'db-roles: ' || name || ' (' || rolname || ') is the superuser running this')
  FROM (VALUES ('DB_OWNER_USER', :'owner'), ('DB_API_USER', :'api'),
               ('DB_MONITOR_USER', :'monitor'), ('DB_BACKUP_USER', :'backup')) AS r(name, rolname)
 WHERE rolname = current_user
\gexec

SELECT :'monitor' <> '' AS has_monitor, :'backup' <> '' AS has_backup,
       current_database() AS database, current_user AS superuser
\gset

BEGIN;

SELECT format('CREATE ROLE %I', rolname)
  FROM (VALUES (:'owner'), (:'api'), (:'monitor'), (:'backup')) AS r(rolname)
 WHERE rolname <> '' AND NOT EXISTS (SELECT FROM pg_roles WHERE pg_roles.rolname = r.rolname)
\gexec

-- Attributes are set on every run: a role someone widened by hand is narrowed again.
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';
ALTER ROLE :"api" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'api_password';

-- A restore closes the sessions of the database it replaces (the API's among them):
-- pg_signal_backend lets the owner end those of roles that are not superusers.
SELECT format('GRANT pg_signal_backend TO %I', :'owner')
 WHERE NOT pg_has_role(:'owner', 'pg_signal_backend', 'MEMBER')
\gexec

-- The owner owns the database, so on PostgreSQL 15+ it also owns the public schema (owned by
-- pg_database_owner); it may rename and drop the database, which a restore does.
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"api";
GRANT USAGE ON SCHEMA public TO :"api";

-- A database that existed before these roles: what migrations created as the superuser moves
-- to the owner (data stays where it is). System schemas and extension members stay put.
SET LOCAL db_roles.owner TO :'owner';
DO $transfer$
DECLARE
  new_owner text := current_setting('db_roles.owner');
  me oid := (SELECT oid FROM pg_roles WHERE rolname = current_user);
  item record;
BEGIN
  FOR item IN
    SELECT n.oid, n.nspname FROM pg_namespace n
     WHERE n.nspowner = me
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                          AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', item.nspname, new_owner);
  END LOOP;
  -- Tables first: a sequence owned by a column follows its table and cannot move alone.
  FOR item IN
    SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relowner = me
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype IN ('e', 'a', 'i'))
     ORDER BY c.relkind = 'S'
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
                   CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'
                                     ELSE 'TABLE' END,
                   item.oid::regclass, new_owner);
  END LOOP;
  -- Enums, domains and composite types a migration declared (not a table's own row type).
  FOR item IN
    SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typowner = me
       AND t.typtype IN ('e', 'd', 'r', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                          AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', item.oid::regtype, new_owner);
  END LOOP;
  FOR item IN
    SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proowner = me
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.oid::regprocedure, new_owner);
  END LOOP;
END
$transfer$;

-- The API reads and writes rows of the tables there are, and of every table the owner
-- creates later (default privileges: a migration needs no GRANT of its own).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"api";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"api";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"api";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE ON SEQUENCES TO :"api";

\if :has_monitor
ALTER ROLE :"monitor" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'monitor_password';
GRANT CONNECT ON DATABASE :"database" TO :"monitor";
SELECT format('GRANT pg_monitor TO %I', :'monitor')
 WHERE NOT pg_has_role(:'monitor', 'pg_monitor', 'MEMBER')
\gexec
\endif

\if :has_backup
ALTER ROLE :"backup" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'backup_password';
GRANT CONNECT ON DATABASE :"database" TO :"backup";
SELECT format('GRANT pg_read_all_data TO %I', :'backup')
 WHERE NOT pg_has_role(:'backup', 'pg_read_all_data', 'MEMBER')
\gexec
-- pgBackRest's base backups connect as this role too (compose.backup.yaml): it reads the
-- server's settings (data_directory, archive_command) and checkpoints at a backup's start.
SELECT format('GRANT %I TO %I', granted, :'backup')
  FROM (VALUES ('pg_read_all_settings'), ('pg_checkpoint')) AS r(granted)
 WHERE NOT pg_has_role(:'backup', granted, 'MEMBER')
\gexec
\endif

COMMIT;

\if :has_backup
-- Functions the superuser alone may run by default, granted in the maintenance database
-- (where the restore scripts and pgBackRest run them: a function's grant belongs to one
-- database, and one in the application's would be in its dumps, which the owner could not
-- restore). A restore to a moment, as the owner, first closes the current WAL segment so
-- the moment is in the archive; named restore points are the owner's to make before a
-- risky change. pgBackRest starts and stops each base backup as the backup role.
\connect postgres
GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal(), pg_catalog.pg_create_restore_point(text)
  TO :"owner", :"backup";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_start(text, boolean),
  pg_catalog.pg_backup_stop(boolean) TO :"backup";
\endif
\echo db-roles: :owner owns :database; :api reads and writes its tables
