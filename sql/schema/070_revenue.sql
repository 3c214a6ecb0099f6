-- Subscription revenue and the monthly creator earnings derived from it.

CREATE TABLE subscription_payments (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users,
	month date NOT NULL CHECK (month = date_trunc('month', month)),
	amount numeric(30, 18) NOT NULL CHECK (amount > 0),
	paid_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_payments_month ON subscription_payments (month);
COMMENT ON TABLE subscription_payments IS 'Premium subscription payments, in FIL, for a calendar month.';

CREATE TABLE closed_months (
	month date PRIMARY KEY CHECK (month = date_trunc('month', month)),
	closed_at timestamptz NOT NULL DEFAULT now(),
	revenue numeric(30, 18) NOT NULL,
	payout_share numeric(5, 4) NOT NULL,
	model text NOT NULL DEFAULT 'pro_rata' CHECK (model IN ('pro_rata', 'user_centric'))
);
COMMENT ON TABLE closed_months IS 'Months whose earnings are final; close_month() adds one row per month, once.';
COMMENT ON COLUMN closed_months.month IS 'The calendar month (UTC), as its first day.';
COMMENT ON COLUMN closed_months.closed_at IS 'When close_month() ran.';
COMMENT ON COLUMN closed_months.revenue IS 'Subscription revenue of the month, in FIL.';
COMMENT ON COLUMN closed_months.payout_share IS 'music.payout_share when the month closed: the part of revenue paid to creators.';
COMMENT ON COLUMN closed_months.model IS 'music.earnings_model when the month closed: pro_rata or user_centric.';

CREATE TABLE creator_earnings (
	creator_id bigint NOT NULL REFERENCES creators,
	month date NOT NULL REFERENCES closed_months,
	counted_plays bigint NOT NULL,
	revenue numeric(30, 18) NOT NULL,
	PRIMARY KEY (creator_id, month)
);
CREATE INDEX creator_earnings_month ON creator_earnings (month, revenue DESC);
COMMENT ON TABLE creator_earnings IS 'Per creator and closed month: counted plays and the revenue earned (FIL).';
COMMENT ON COLUMN creator_earnings.creator_id IS 'The creator.';
COMMENT ON COLUMN creator_earnings.month IS 'The closed month, as its first day.';
COMMENT ON COLUMN creator_earnings.counted_plays IS 'Counted plays of the creator''s tracks in the month.';
COMMENT ON COLUMN creator_earnings.revenue IS 'The creator''s part of the month''s payout pool (revenue x music.payout_share), shared by the month''s model.';
GRANT SELECT ON closed_months TO music_reader;

CREATE FUNCTION record_subscription_payment(user_id bigint, month date, amount numeric)
RETURNS bigint AS 'MODULE_PATHNAME', 'music_record_subscription_payment' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;

CREATE FUNCTION close_month(month date)
RETURNS void AS 'MODULE_PATHNAME', 'music_close_month' LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, music, pg_temp;
