/*
 * revenue.c
 *		Subscription payments and the monthly close that turns them into
 *		creator earnings.
 *
 * The month's payout pool (revenue times music.payout_share) is split
 * between creators by counted plays in that month, in one of two models
 * (music.earnings_model):
 *  - pro_rata: the whole pool by each creator's share of all counted plays;
 *  - user_centric: each subscriber's payout by that subscriber's own counted
 *    plays, so a fan's money goes to the creators that fan played; payments
 *    of subscribers who played nothing counted are shared pro-rata.
 * A month closes once; its figures never change afterwards.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/numeric.h"

#include "clock.h"
#include "datasafety.h"
#include "hybridmusic.h"

HM_FUNCTION(music_record_subscription_payment);
HM_FUNCTION(music_close_month);

typedef enum EarningsModel
{
	EARNINGS_PRO_RATA,
	EARNINGS_USER_CENTRIC
} EarningsModel;

static const struct config_enum_entry earnings_models[] = {
	{"pro_rata", EARNINGS_PRO_RATA, false},
	{"user_centric", EARNINGS_USER_CENTRIC, false},
	{NULL, 0, false}
};

/*
 * Bounds of one payment, in FIL: one attoFIL, the column's resolution, and
 * a billion FIL (about half the FIL supply), far under the column's limit.
 */
#define MIN_PAYMENT "0.000000000000000001"
#define MAX_PAYMENT "1000000000"

static double payout_share = 0.70;
static int	earnings_model = EARNINGS_PRO_RATA;

static HmQuery insert_payment = {
	"INSERT INTO music.subscription_payments (user_id, month, amount) "
	"VALUES ($1, $2, $3) RETURNING id", 3, {INT8OID, DATEOID, NUMERICOID}, NULL
};
static HmQuery month_closed = {
	"SELECT 1 FROM music.closed_months WHERE month = $1", 1, {DATEOID}, NULL
};
static HmQuery pro_rata_earnings = {
	"WITH pool AS ("
	"  INSERT INTO music.closed_months (month, revenue, payout_share, model)"
	"  SELECT $1, coalesce(sum(amount), 0), $2, 'pro_rata' FROM music.subscription_payments WHERE month = $1"
	"  RETURNING revenue * payout_share AS amount"
	"), plays AS ("
	"  SELECT creator_id, count(*) AS counted_plays FROM music.plays"
	"  WHERE counted AND played_at >= $1::timestamp AT TIME ZONE 'UTC'"
	"    AND played_at < ($1 + interval '1 month') AT TIME ZONE 'UTC'"
	"  GROUP BY creator_id"
	")"
	"INSERT INTO music.creator_earnings (creator_id, month, counted_plays, revenue)"
	"SELECT p.creator_id, $1, p.counted_plays,"
	"       round(pool.amount * p.counted_plays / sum(p.counted_plays) OVER (), 18)"
	"FROM plays p, pool",
	2, {DATEOID, NUMERICOID}, NULL
};
static HmQuery user_centric_earnings = {
	"WITH month AS ("
	"  INSERT INTO music.closed_months (month, revenue, payout_share, model)"
	"  SELECT $1, coalesce(sum(amount), 0), $2, 'user_centric' FROM music.subscription_payments WHERE month = $1"
	"  RETURNING payout_share"
	"), paid AS ("
	"  SELECT user_id, sum(amount) AS amount FROM music.subscription_payments"
	"  WHERE month = $1 GROUP BY user_id"
	"), listened AS ("
	"  SELECT user_id, creator_id, count(*) AS counted_plays FROM music.plays"
	"  WHERE counted AND played_at >= $1::timestamp AT TIME ZONE 'UTC'"
	"    AND played_at < ($1 + interval '1 month') AT TIME ZONE 'UTC'"
	"  GROUP BY user_id, creator_id"
	"), shares AS ("
	"  SELECT l.creator_id, l.counted_plays,"
	"         coalesce(p.amount * l.counted_plays / sum(l.counted_plays) OVER (PARTITION BY l.user_id), 0) AS own"
	"  FROM listened l LEFT JOIN paid p USING (user_id)"
	"), creators AS ("
	"  SELECT creator_id, sum(counted_plays) AS counted_plays, sum(own) AS own"
	"  FROM shares GROUP BY creator_id"
	"), unplayed AS ("
	"  SELECT coalesce(sum(amount), 0) AS amount FROM paid"
	"  WHERE user_id NOT IN (SELECT user_id FROM listened)"
	")"
	"INSERT INTO music.creator_earnings (creator_id, month, counted_plays, revenue)"
	"SELECT c.creator_id, $1, c.counted_plays,"
	"       round(month.payout_share * (c.own + unplayed.amount * c.counted_plays"
	"                                   / sum(c.counted_plays) OVER ()), 18)"
	"FROM creators c, unplayed, month",
	2, {DATEOID, NUMERICOID}, NULL
};

/* Registers the revenue settings. */
void
RevenueInit(void)
{
	DefineCustomRealVariable("music.payout_share",
							 "Share of subscription revenue paid out to creators (0 to 1).",
							 NULL,
							 &payout_share, 0.70, 0.0, 1.0,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("music.earnings_model",
							 "How close_month() shares a month's payout between creators.",
							 "pro_rata: by share of all counted plays; user_centric: each "
							 "subscriber's payment by that subscriber's counted plays.",
							 &earnings_model, EARNINGS_PRO_RATA, earnings_models,
							 PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Returns a required month argument, which must be the first of a month. */
static DateADT
arg_month(FunctionCallInfo fcinfo, int argno)
{
	DateADT		month;
	int			year,
				mon,
				day;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("month must not be null")));
	month = PG_GETARG_DATEADT(argno);
	if (DATE_NOT_FINITE(month))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("month must be a finite date")));
	j2date(month + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	if (day != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("month must be the first day of a month, got %s", hm_iso_date(month)),
				 errhint("Use date_trunc('month', ...)::date.")));
	return month;
}

/* A numeric constant from its text. */
static Datum
numeric_constant(const char *text)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * record_subscription_payment(user_id, month, amount): a premium payment in
 * FIL for a month that has not closed yet.
 */
static Datum
music_record_subscription_payment_body(PG_FUNCTION_ARGS)
{
	int64		user_id = hm_arg_id(fcinfo, 0, "user_id");
	DateADT		month = arg_month(fcinfo, 1);
	Numeric		amount;
	Datum		values[3];
	int64		id;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("amount must not be null")));
	amount = PG_GETARG_NUMERIC(2);
	if (numeric_is_nan(amount) || numeric_is_inf(amount) ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(amount), numeric_constant(MIN_PAYMENT))) ||
		DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(amount), numeric_constant(MAX_PAYMENT))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must be between " MIN_PAYMENT " and " MAX_PAYMENT " FIL")));

	SPI_connect();
	hm_require_user(user_id);
	/*
	 * close_month() takes this lock exclusively, so it sums only after every
	 * payment in flight has committed, and a payment that waited for it sees
	 * the month closed.
	 */
	hm_lock_shared(HM_LOCK_MONTH, month);
	values[0] = DateADTGetDatum(month);
	if (hm_exec_latest(&month_closed, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("month %s is already closed", hm_iso_date(month)),
				 errdetail("Closed months keep their earnings; record the payment for an open month.")));
	values[0] = Int64GetDatum(user_id);
	values[1] = DateADTGetDatum(month);
	values[2] = NumericGetDatum(amount);
	id = hm_insert_returning_id(&insert_payment, values, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * close_month(month): computes every creator's earnings for a month that
 * has ended.  Closing a month twice is an error, so figures never change.
 */
static Datum
music_close_month_body(PG_FUNCTION_ARGS)
{
	DateADT		month = arg_month(fcinfo, 0);
	Datum		values[2];

	struct pg_tm now;
	fsec_t		fsec;

	if (timestamp2tm(hm_as_of(), NULL, &now, &fsec, NULL, NULL) != 0)
		elog(ERROR, "cannot read the current date");
	if (month >= date2j(now.tm_year, now.tm_mon, 1) - POSTGRES_EPOCH_JDATE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("month %s has not ended yet", hm_iso_date(month)),
				 errdetail("Months are calendar months in UTC.")));

	/* the sums read the committed payments: a transaction snapshot would miss late ones */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("close_month() must run in a READ COMMITTED transaction")));

	SPI_connect();
	hm_lock(HM_LOCK_MONTH, month);
	values[0] = DateADTGetDatum(month);
	values[1] = DirectFunctionCall1(float8_numeric, Float8GetDatum(payout_share));
	if (hm_exec_latest(&month_closed, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("month %s is already closed", hm_iso_date(month))));
	hm_exec(earnings_model == EARNINGS_USER_CENTRIC ? &user_centric_earnings : &pro_rata_earnings,
			values, NULL, false);
	SPI_finish();
	PG_RETURN_VOID();
}
