-- 0.2: every schema change since 0.1 comes with a part in this folder, named
-- after the subsystem it changes, so that an 0.1 install brought up to 0.2
-- equals a fresh 0.2 install.

