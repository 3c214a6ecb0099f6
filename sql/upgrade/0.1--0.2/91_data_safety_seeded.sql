-- The upgrade ends as the install does: 89_privileges.sql (a link to
-- sql/schema/900_privileges.sql) applies the blanket privileges to every
-- object the upgrade parts made, and 90_data_safety.sql (a link to
-- sql/schema/950_data_safety.sql) registers every table and sequence for
-- pg_dump.
-- The tables 0.1's install script seeded: their rows were written before
-- this upgrade, so 90_data_safety.sql does not take them for seeded; name
-- them.  (A fresh 0.2 install finds them by rule.)
CREATE TRIGGER replace_seeded_row BEFORE INSERT ON ip_salt FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row();
CREATE TRIGGER replace_seeded_row BEFORE INSERT ON trending_windows FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row();
CREATE TRIGGER replace_seeded_row BEFORE INSERT ON analytics_state FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row();
CREATE TRIGGER replace_seeded_row BEFORE INSERT ON milestone_rules FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row();
CREATE TRIGGER replace_seeded_row BEFORE INSERT ON calendar FOR EACH ROW EXECUTE FUNCTION music.replace_seeded_row();
