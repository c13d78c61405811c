-- The extension's catalog: every object documented, markings as the conventions say
CREATE EXTENSION mlops;

-- Every function, aggregate, type, table and view of the extension has a comment.
SELECT p.oid::regprocedure AS undocumented_function
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mlops'
WHERE obj_description(p.oid, 'pg_proc') IS NULL
ORDER BY 1;
SELECT c.oid::regclass AS undocumented_relation
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mlops'
WHERE c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT t.oid::regtype AS undocumented_type
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'mlops'
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE ((t.typtype = 'b' AND t.typcategory <> 'A') OR (t.typtype = 'c' AND c.relkind = 'c'))
  AND obj_description(t.oid, 'pg_type') IS NULL;
-- (the types checked above)
SELECT t.oid::regtype AS type
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'mlops'
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE (t.typtype = 'b' AND t.typcategory <> 'A') OR (t.typtype = 'c' AND c.relkind = 'c')
ORDER BY t.oid::regtype::text;
-- ... and so does every column of the tables and views a BI tool reads.
SELECT c.relname, a.attname AS undocumented_column
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mlops'
WHERE c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
  AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1, 2;

-- Aggregates are parallel safe and combinable.
SELECT a.aggfnoid::regprocedure AS aggregate, p.proparallel, a.aggcombinefn <> 0 AS has_combine
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'mlops'
ORDER BY a.aggfnoid::regprocedure::text;

-- Prediction reads the registry: STABLE, never IMMUTABLE; it never writes, so it is parallel safe.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'mlops'
WHERE p.proname IN ('predict', 'train', 'deploy', 'drop_project')
ORDER BY p.oid::regprocedure::text;

-- The registry is kept by pg_dump.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'mlops' ORDER BY 1;

DROP EXTENSION mlops;
