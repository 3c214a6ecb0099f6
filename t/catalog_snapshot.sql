-- One line per catalog fact of the extension, sorted, for t/003_data_safety.pl
-- to compare an upgraded database with a fresh install: functions with
-- their signatures, bodies, owners, settings and security; relations,
-- columns, types, defaults, constraints, indexes, triggers, views,
-- comments, grants (in a fixed order); the extension's members and dump
-- registrations.
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'hybridmusic'),
facts(fact) AS (
	SELECT format('function %s returns %s | owner %s | %s | volatile %s | strict %s | parallel %s | security definer %s | config %s | language %s | source %s | acl %s | comment %s',
				  p.oid::regprocedure, pg_get_function_result(p.oid), p.proowner::regrole, p.prokind, p.provolatile,
				  p.proisstrict, p.proparallel, p.prosecdef, p.proconfig, l.lanname,
				  md5(p.prosrc || coalesce(p.probin, '')), (SELECT array_agg(x ORDER BY x::text) FROM unnest(p.proacl) x), obj_description(p.oid, 'pg_proc'))
	FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	WHERE p.pronamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('relation %s | kind %s | owner %s | persistence %s | options %s | acl %s | comment %s',
				  c.oid::regclass, c.relkind, c.relowner::regrole, c.relpersistence, c.reloptions, (SELECT array_agg(x ORDER BY x::text) FROM unnest(c.relacl) x),
				  obj_description(c.oid, 'pg_class'))
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('column %s.%s | position %s | type %s | not null %s | default %s | identity %s | generated %s | acl %s | comment %s',
				  a.attrelid::regclass, a.attname,
				  row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
				  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
				  a.attidentity, a.attgenerated, (SELECT array_agg(x ORDER BY x::text) FROM unnest(a.attacl) x), col_description(a.attrelid, a.attnum))
	FROM pg_attribute a
	JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'music'::regnamespace
	LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT format('constraint %s on %s: %s', co.conname, co.conrelid::regclass, pg_get_constraintdef(co.oid))
	FROM pg_constraint co WHERE co.connamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('index %s', pg_get_indexdef(i.indexrelid))
	FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid AND c.relnamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('trigger %s | enabled %s', pg_get_triggerdef(t.oid), t.tgenabled)
	FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid AND c.relnamespace = 'music'::regnamespace
	WHERE NOT t.tgisinternal
	UNION ALL
	SELECT format('view %s: %s', c.oid::regclass, pg_get_viewdef(c.oid))
	FROM pg_class c WHERE c.relnamespace = 'music'::regnamespace AND c.relkind IN ('v', 'm')
	UNION ALL
	SELECT format('sequence %s | type %s | start %s | increment %s | min %s | max %s | cache %s | cycle %s',
				  s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
				  s.seqcache, s.seqcycle)
	FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid AND c.relnamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('type %s | kind %s | labels %s | comment %s', t.oid::regtype, t.typtype,
				  (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
				  obj_description(t.oid, 'pg_type'))
	FROM pg_type t WHERE t.typnamespace = 'music'::regnamespace AND t.typtype IN ('e', 'd', 'c')
	  AND NOT EXISTS (SELECT FROM pg_class c WHERE c.reltype = t.oid AND c.relkind <> 'c')
	UNION ALL
	SELECT format('policy %s on %s: %s %s using %s check %s', po.polname, po.polrelid::regclass, po.polcmd,
				  po.polroles::regrole[], pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
	FROM pg_policy po JOIN pg_class c ON c.oid = po.polrelid AND c.relnamespace = 'music'::regnamespace
	UNION ALL
	SELECT format('event trigger %s on %s tags %s function %s enabled %s', et.evtname, et.evtevent, et.evttags,
				  et.evtfoid::regproc, et.evtenabled)
	FROM pg_event_trigger et
	UNION ALL
	SELECT format('schema music | owner %s | acl %s', n.nspowner::regrole, (SELECT array_agg(x ORDER BY x::text) FROM unnest(n.nspacl) x))
	FROM pg_namespace n WHERE n.nspname = 'music'
	UNION ALL
	SELECT format('member %s', pg_describe_object(d.classid, d.objid, d.objsubid))
	FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT format('dumped with data %s where %L', cfg.rel::regclass, cfg.cond)
	FROM ext, unnest(ext.extconfig, ext.extcondition) AS cfg(rel, cond)
)
SELECT fact FROM facts ORDER BY fact COLLATE "C";
