/* mlops 0.1.0: least-squares engine, registry, training, deployment, prediction */

\echo Use "CREATE EXTENSION mlops" to load this file. \quit

/* ------------------------------------------------------------------------
 * Fit state: the R factor of the streaming QR of [X | y] plus counts.
 * ------------------------------------------------------------------------ */

CREATE TYPE mlops.fitstate;

CREATE FUNCTION mlops.fitstate_in(cstring) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mlops.fitstate_out(mlops.fitstate) RETURNS cstring
	AS 'MODULE_PATHNAME', 'mlops_fitstate_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mlops.fitstate_recv(internal) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mlops.fitstate_send(mlops.fitstate) RETURNS bytea
	AS 'MODULE_PATHNAME', 'mlops_fitstate_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mlops.fitstate_in(cstring) IS 'text input of mlops.fitstate; checks every field';
COMMENT ON FUNCTION mlops.fitstate_out(mlops.fitstate) IS 'exact text output of mlops.fitstate';
COMMENT ON FUNCTION mlops.fitstate_recv(internal) IS 'binary input of mlops.fitstate; checks every field';
COMMENT ON FUNCTION mlops.fitstate_send(mlops.fitstate) IS 'binary output of mlops.fitstate';

CREATE TYPE mlops.fitstate (
	INPUT = mlops.fitstate_in,
	OUTPUT = mlops.fitstate_out,
	RECEIVE = mlops.fitstate_recv,
	SEND = mlops.fitstate_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE mlops.fitstate IS
	'state of a one-scan least-squares fit: the R factor of the QR decomposition of [X | y], row counts and buffered rows';

CREATE TYPE mlops.ols_result AS (
	coef float8[],
	std_err float8[],
	t_stats float8[],
	p_values float8[],
	r2 float8,
	adj_r2 float8,
	residual_sd float8,
	f_statistic float8,
	f_p_value float8,
	condition_number float8,
	n_rows bigint,
	n_skipped bigint,
	df_residual bigint,
	rss float8,
	vcov float8[],
	log_likelihood float8,
	aic float8,
	bic float8
);

COMMENT ON TYPE mlops.ols_result IS 'ordinary least-squares fit: coefficients and their statistics';

CREATE FUNCTION mlops.fitstate_accum(mlops.fitstate, float8, float8[]) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_accum(mlops.fitstate, float8, float8[]) IS
	'transition function of mlops.ols_fit and mlops.fit_state: folds one row (y, x) into the state';

CREATE FUNCTION mlops.fitstate_accum_columns(mlops.fitstate, VARIADIC "any") RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_accum_columns'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_accum_columns(mlops.fitstate, VARIADIC "any") IS
	'transition function of mlops.fit_columns: folds one row given as separate float8 arguments (y, x1, ..., xp)';

CREATE FUNCTION mlops.fitstate_combine(mlops.fitstate, mlops.fitstate) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_combine(mlops.fitstate, mlops.fitstate) IS
	'combines two fit states into the state of all their rows (TSQR)';

CREATE FUNCTION mlops.fitstate_accum_rows(mlops.fitstate, float8, float8[]) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_accum_rows'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_accum_rows(mlops.fitstate, float8, float8[]) IS
	'transition function of mlops.ols_fit: as mlops.fitstate_accum, and keeps the rows (up to mlops.refine_memory) for the refinement in the final function';

/* stable: with rows kept by ols_fit, the result depends on mlops.refine_condition */
CREATE FUNCTION mlops.ols_result(mlops.fitstate) RETURNS mlops.ols_result
	AS 'MODULE_PATHNAME', 'mlops_ols_result'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ols_result(mlops.fitstate) IS
	'least-squares coefficients and statistics from a fit state; final function of mlops.ols_fit, which refines them in extended precision from the rows it kept when the design is ill-conditioned';

CREATE FUNCTION mlops.refinement_wanted(state mlops.fitstate) RETURNS boolean
	AS 'MODULE_PATHNAME', 'mlops_refinement_wanted'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.refinement_wanted(mlops.fitstate) IS
	'whether the fit of a state is full rank and its column-scaled condition number passes mlops.refine_condition, so that a refinement pass pays';

CREATE FUNCTION mlops.residual_moments_accum(float8[], float8[], VARIADIC "any") RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_residual_moments_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.residual_moments_accum(float8[], float8[], VARIADIC "any") IS
	'transition function of mlops.residual_moments(coef, y, x1, ..., xp)';
CREATE FUNCTION mlops.residual_moments_accum(float8[], float8[], float8, float8[], float8) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_residual_moments_accum_array'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.residual_moments_accum(float8[], float8[], float8, float8[], float8) IS
	'transition function of mlops.residual_moments(coef, y, x, w)';
CREATE FUNCTION mlops.residual_moments_combine(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_residual_moments_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.residual_moments_combine(float8[], float8[]) IS
	'combine function of mlops.residual_moments (double-double sums)';
CREATE FUNCTION mlops.residual_moments_final(float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_residual_moments_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.residual_moments_final(float8[]) IS
	'final function of mlops.residual_moments';
CREATE AGGREGATE mlops.residual_moments(coef float8[], VARIADIC "any") (
	SFUNC = mlops.residual_moments_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.residual_moments_combine,
	FINALFUNC = mlops.residual_moments_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.residual_moments(float8[], VARIADIC "any") IS
	'{g_1, ..., g_p, rss, n}: g = X''(y - X coef) and rss = sum (y - X coef)^2 summed in double-double, for float8 arguments y, x1, ..., xp; rows with a NULL are skipped';
CREATE AGGREGATE mlops.residual_moments(coef float8[], y float8, x float8[], w float8) (
	SFUNC = mlops.residual_moments_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.residual_moments_combine,
	FINALFUNC = mlops.residual_moments_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.residual_moments(float8[], float8, float8[], float8) IS
	'{g_1, ..., g_p, rss, n} with weights: g = X''W(y - X coef), rss = sum w (y - X coef)^2, in double-double';

CREATE FUNCTION mlops.ridge_coef(state mlops.fitstate, lambda float8) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_ridge_coef'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ridge_coef(mlops.fitstate, float8) IS
	'ridge coefficients from a fit state: minimise (1/(2n)) ||y - X b||^2 + (lambda/2) ||b||^2, the intercept (a first column of ones) unpenalised; scikit-learn''s Ridge(alpha = n lambda)';

CREATE FUNCTION mlops.ridge_lambda_grid(state mlops.fitstate, k integer) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_ridge_lambda_grid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ridge_lambda_grid(mlops.fitstate, integer) IS
	'k values of lambda, log-spaced from 100 v down to 1e-6 v, v the mean variance of the penalised columns of the state: the grid of train''s params.lambda = "auto"';

CREATE FUNCTION mlops.elastic_net_coef(state mlops.fitstate, lambda float8, l1_ratio float8 DEFAULT 1,
									   standardize boolean DEFAULT false, max_iter integer DEFAULT 10000,
									   tol float8 DEFAULT 1e-4) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_elastic_net_coef'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.elastic_net_coef(mlops.fitstate, float8, float8, boolean, integer, float8) IS
	'lasso / elastic net coefficients from a fit state by coordinate descent on its Gram matrix: minimise (1/(2n)) ||y - X b||^2 + lambda (l1_ratio ||b||_1 + (1 - l1_ratio)/2 ||b||^2), the intercept (a first column of ones) unpenalised, the penalty on standardised columns with standardize; scikit-learn''s ElasticNet(alpha = lambda, l1_ratio)';

CREATE FUNCTION mlops.elastic_net_fit(state mlops.fitstate, lambda float8, l1_ratio float8 DEFAULT 1,
									  standardize boolean DEFAULT false, max_iter integer DEFAULT 10000,
									  tol float8 DEFAULT 1e-4,
									  OUT coef float8[], OUT iterations integer, OUT converged boolean)
	AS 'MODULE_PATHNAME', 'mlops_elastic_net_fit'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.elastic_net_fit(mlops.fitstate, float8, float8, boolean, integer, float8) IS
	'mlops.elastic_net_coef with the sweeps of coordinate descent it took and whether it converged';

CREATE FUNCTION mlops.elastic_net_path(state mlops.fitstate, lambdas float8[], l1_ratio float8 DEFAULT 1,
									   standardize boolean DEFAULT false, max_iter integer DEFAULT 10000,
									   tol float8 DEFAULT 1e-4) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_elastic_net_path'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.elastic_net_path(mlops.fitstate, float8[], float8, boolean, integer, float8) IS
	'the elastic net coefficients for every lambda of an array, as a 2-D array with one row per lambda, each fit warm-started from the one before';

CREATE FUNCTION mlops.elastic_net_lambda_grid(state mlops.fitstate, l1_ratio float8 DEFAULT 1,
											  standardize boolean DEFAULT false, k integer DEFAULT 100)
	RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_elastic_net_lambda_grid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.elastic_net_lambda_grid(mlops.fitstate, float8, boolean, integer) IS
	'k values of lambda, log-spaced from lambda_max (the smallest lambda with every penalised coefficient 0) down to lambda_max / 1000: the grid of train''s params.lambda = "auto" for lasso and elastic net';

CREATE FUNCTION mlops.student_t_p(t float8, df float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_student_t_p'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.student_t_p(float8, float8) IS
	'two-sided p-value P(|T| > |t|) of Student''s t distribution with df degrees of freedom';

CREATE FUNCTION mlops.fitstate_error(state mlops.fitstate, coef float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_fitstate_error'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_error(mlops.fitstate, float8[]) IS
	'{n, rss, tss} of the rows of a fit state under the given coefficients, from the state alone (tss about the mean when the first column is 1)';

CREATE AGGREGATE mlops.ols_fit(y float8, x float8[]) (
	SFUNC = mlops.fitstate_accum_rows,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	FINALFUNC = mlops.ols_result,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ols_fit(float8, float8[]) IS
	'ordinary least squares of y on the columns of x in one scan (put a leading 1 in x for an intercept)';

CREATE AGGREGATE mlops.fit_state(y float8, x float8[]) (
	SFUNC = mlops.fitstate_accum,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.fit_state(float8, float8[]) IS
	'the fit state of y on x, to be combined with mlops.fit_merge or finished with mlops.ols_result';

CREATE FUNCTION mlops.fitstate_accum_weighted(mlops.fitstate, float8, float8[], float8) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_accum_weighted'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_accum_weighted(mlops.fitstate, float8, float8[], float8) IS
	'transition function of the weighted mlops.ols_fit and mlops.fit_state: folds one row (y, x) with weight w';

CREATE FUNCTION mlops.fitstate_accum_weighted_rows(mlops.fitstate, float8, float8[], float8) RETURNS mlops.fitstate
	AS 'MODULE_PATHNAME', 'mlops_fitstate_accum_weighted_rows'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_accum_weighted_rows(mlops.fitstate, float8, float8[], float8) IS
	'transition function of the weighted mlops.ols_fit: as mlops.fitstate_accum_weighted, and keeps the rows for refinement';

CREATE AGGREGATE mlops.ols_fit(y float8, x float8[], w float8) (
	SFUNC = mlops.fitstate_accum_weighted_rows,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	FINALFUNC = mlops.ols_result,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ols_fit(float8, float8[], float8) IS
	'weighted least squares of y on the columns of x, minimising sum w (y - x b)^2, in one scan';

CREATE AGGREGATE mlops.fit_state(y float8, x float8[], w float8) (
	SFUNC = mlops.fitstate_accum_weighted,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.fit_state(float8, float8[], float8) IS
	'the weighted fit state of y on x with weights w';

CREATE AGGREGATE mlops.fit_columns(VARIADIC "any") (
	SFUNC = mlops.fitstate_accum_columns,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.fit_columns(VARIADIC "any") IS
	'the fit state of the first argument (y) on the others (x1, ..., xp), all float8; builds no array per row';

CREATE AGGREGATE mlops.fit_merge(mlops.fitstate) (
	SFUNC = mlops.fitstate_combine,
	STYPE = mlops.fitstate,
	COMBINEFUNC = mlops.fitstate_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.fit_merge(mlops.fitstate) IS
	'combines fit states (for example one per group) into the state of all their rows';

CREATE FUNCTION mlops.holdout_hash(VARIADIC "any") RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_holdout_hash'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.holdout_hash(VARIADIC "any") IS
	'a number in [0, 1) computed from the bits of its float8 arguments; train puts a row in the test split when it is below test_fraction';

CREATE FUNCTION mlops.holdout_hash(float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_holdout_hash_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.holdout_hash(float8[]) IS
	'mlops.holdout_hash of the elements of an array: the same number as for the same values passed one by one';

CREATE FUNCTION mlops.fitstate_counts(state mlops.fitstate, OUT ncols integer, OUT n_rows bigint, OUT n_skipped bigint)
	AS 'MODULE_PATHNAME', 'mlops_fitstate_counts'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.fitstate_counts(mlops.fitstate) IS
	'columns of x, rows folded in, and rows skipped for NULL values, of a fit state';

CREATE FUNCTION mlops.error_stats_accum(float8[], float8[], VARIADIC "any") RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_error_stats_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.error_stats_accum(float8[], float8[], VARIADIC "any") IS
	'transition function of mlops.error_stats';
CREATE FUNCTION mlops.error_stats_combine(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_error_stats_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.error_stats_combine(float8[], float8[]) IS
	'combine function of mlops.error_stats';
CREATE FUNCTION mlops.error_stats_final(float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_error_stats_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.error_stats_final(float8[]) IS
	'final function of mlops.error_stats: {n, rmse, mae, r2, skipped}';
CREATE AGGREGATE mlops.error_stats(coef float8[], VARIADIC "any") (
	SFUNC = mlops.error_stats_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.error_stats_combine,
	FINALFUNC = mlops.error_stats_final,
	PARALLEL = SAFE
);
CREATE FUNCTION mlops.error_stats_accum(float8[], float8[], float8, float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_error_stats_accum_array'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.error_stats_accum(float8[], float8[], float8, float8[]) IS
	'transition function of mlops.error_stats(coef, y, x)';
CREATE AGGREGATE mlops.error_stats(coef float8[], y float8, x float8[]) (
	SFUNC = mlops.error_stats_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.error_stats_combine,
	FINALFUNC = mlops.error_stats_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.error_stats(float8[], float8, float8[]) IS
	'{n, rmse, mae, r2, skipped} of the prediction sum(coef[j] * x[j]) of y; like mlops.error_stats(coef, VARIADIC "any") for x given as an array';
COMMENT ON AGGREGATE mlops.error_stats(float8[], VARIADIC "any") IS
	'{n, rmse, mae, r2, skipped} of the prediction sum(coef[j] * x[j]) of y, for float8 arguments y, x1, ..., xp; rows with a NULL are skipped and counted; r2 is 1 - SSE / sum of squares about the mean of y';

/* ------------------------------------------------------------------------
 * Heteroskedasticity-consistent covariance (HC0-HC3) of a least-squares fit
 * (src/robust.c).
 * ------------------------------------------------------------------------ */

CREATE FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], float8, float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_robust_cov_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], float8, float8[]) IS
	'transition function of mlops.robust_cov(state, coef, y, x)';

CREATE FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], float8, float8[], float8) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_robust_cov_accum_weighted'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], float8, float8[], float8) IS
	'transition function of mlops.robust_cov(state, coef, y, x, w)';

CREATE FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], VARIADIC "any") RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_robust_cov_accum_columns'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.robust_cov_accum(float8[], mlops.fitstate, float8[], VARIADIC "any") IS
	'transition function of mlops.robust_cov(state, coef, VARIADIC "any")';

CREATE FUNCTION mlops.robust_cov_combine(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_robust_cov_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.robust_cov_combine(float8[], float8[]) IS
	'combine function of mlops.robust_cov';

CREATE FUNCTION mlops.robust_cov_final(float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_robust_cov_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.robust_cov_final(float8[]) IS
	'final function of mlops.robust_cov: the HC0, HC1, HC2 and HC3 covariance matrices as a float8[4][p][p]';

CREATE AGGREGATE mlops.robust_cov(state mlops.fitstate, coef float8[], y float8, x float8[]) (
	SFUNC = mlops.robust_cov_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.robust_cov_combine,
	FINALFUNC = mlops.robust_cov_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.robust_cov(mlops.fitstate, float8[], float8, float8[]) IS
	'heteroskedasticity-consistent covariance of the least-squares coefficients coef fitted in state, over the rows (y, x) of the fit: a float8[4][p][p] of the HC0, HC1, HC2 and HC3 matrices; rows with a NULL are skipped; HC1 is NULL when n <= p, HC2 and HC3 are NULL when a row has leverage 1; NULL when no row is used';

CREATE AGGREGATE mlops.robust_cov(state mlops.fitstate, coef float8[], y float8, x float8[], w float8) (
	SFUNC = mlops.robust_cov_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.robust_cov_combine,
	FINALFUNC = mlops.robust_cov_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.robust_cov(mlops.fitstate, float8[], float8, float8[], float8) IS
	'heteroskedasticity-consistent covariance of a weighted least-squares fit (state from mlops.fit_state(y, x, w)), from the whitened rows sqrt(w) x and residuals sqrt(w) (y - x coef): a float8[4][p][p] of HC0 to HC3; rows of weight 0 do not count, as in the fit';

CREATE AGGREGATE mlops.robust_cov(state mlops.fitstate, coef float8[], VARIADIC "any") (
	SFUNC = mlops.robust_cov_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.robust_cov_combine,
	FINALFUNC = mlops.robust_cov_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.robust_cov(mlops.fitstate, float8[], VARIADIC "any") IS
	'heteroskedasticity-consistent covariance (HC0 to HC3, a float8[4][p][p]) like mlops.robust_cov(state, coef, y, x), for float8 arguments y, x1, ..., xp; builds no array per row';

/* ------------------------------------------------------------------------
 * Registry
 * ------------------------------------------------------------------------ */

CREATE TABLE mlops.projects (
	project_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name text NOT NULL UNIQUE CHECK (octet_length(name) BETWEEN 1 AND 63),
	owner name NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL DEFAULT now(),
	relation text,
	target text,
	features text[],
	algorithm text,
	params jsonb,
	test_fraction float8
);
COMMENT ON TABLE mlops.projects IS 'one row per project: a named model that is trained in versions';
COMMENT ON COLUMN mlops.projects.project_id IS 'identifier of the project';
COMMENT ON COLUMN mlops.projects.name IS 'name given to mlops.train, used by predict and deploy';
COMMENT ON COLUMN mlops.projects.owner IS 'role that created the project';
COMMENT ON COLUMN mlops.projects.created_at IS 'when the project was created';
COMMENT ON COLUMN mlops.projects.relation IS 'relation of the latest training';
COMMENT ON COLUMN mlops.projects.target IS 'target column of the latest training';
COMMENT ON COLUMN mlops.projects.features IS 'feature columns of the latest training';
COMMENT ON COLUMN mlops.projects.algorithm IS 'algorithm of the latest training';
COMMENT ON COLUMN mlops.projects.params IS 'parameters of the latest training';
COMMENT ON COLUMN mlops.projects.test_fraction IS 'hold-out fraction of the latest training';

CREATE TABLE mlops.models (
	model_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	version integer NOT NULL CHECK (version > 0),
	algorithm text NOT NULL,
	params jsonb NOT NULL,
	relation text NOT NULL,
	target text NOT NULL,
	features text[] NOT NULL,
	intercept boolean NOT NULL,
	coefficients float8[] NOT NULL,
	statistics jsonb,
	state mlops.fitstate,
	test_fraction float8 NOT NULL,
	n_rows bigint NOT NULL,
	n_skipped bigint NOT NULL DEFAULT 0,
	trained_at timestamptz NOT NULL DEFAULT now(),
	trained_by name NOT NULL DEFAULT current_user,
	watermark text,
	encoding jsonb,
	UNIQUE (project_id, version)
);
COMMENT ON TABLE mlops.models IS 'every trained version of every project';
COMMENT ON COLUMN mlops.models.model_id IS 'identifier of the model, unique across projects';
COMMENT ON COLUMN mlops.models.project_id IS 'project the model belongs to';
COMMENT ON COLUMN mlops.models.version IS 'version within the project, from 1';
COMMENT ON COLUMN mlops.models.algorithm IS 'algorithm, for example linear';
COMMENT ON COLUMN mlops.models.params IS 'parameters the model was trained with, defaults filled in';
COMMENT ON COLUMN mlops.models.relation IS 'relation the model was trained on';
COMMENT ON COLUMN mlops.models.target IS 'column that is predicted';
COMMENT ON COLUMN mlops.models.features IS 'feature columns, in the order of the coefficients (with an encoding: in the order of its design columns)';
COMMENT ON COLUMN mlops.models.intercept IS 'whether coefficients[1] is an intercept';
COMMENT ON COLUMN mlops.models.coefficients IS 'coefficients: the intercept first when there is one, then one per feature (with an encoding: one per design column)';
COMMENT ON COLUMN mlops.models.statistics IS 'the mlops.ols_result of the training split as JSON (without vcov, which mlops.ols_result(state) gives): standard errors, t statistics, p-values, R², F, condition number, log-likelihood, AIC, BIC';
COMMENT ON COLUMN mlops.models.state IS 'fit state of the training split, for refits and merges';
COMMENT ON COLUMN mlops.models.test_fraction IS 'share of rows held out for testing';
COMMENT ON COLUMN mlops.models.n_rows IS 'rows used for training (training split)';
COMMENT ON COLUMN mlops.models.n_skipped IS 'rows skipped for NULL values';
COMMENT ON COLUMN mlops.models.trained_at IS 'when the model was trained';
COMMENT ON COLUMN mlops.models.trained_by IS 'role that trained the model';
COMMENT ON COLUMN mlops.models.watermark IS 'with params.incremental_column: the largest value of that column in the data the model has seen (text form)';
COMMENT ON COLUMN mlops.models.encoding IS 'how features become design columns, one object per feature: {"column", "kind": "numeric"} with "impute" (the training mean that replaces NULL) under params.nulls impute_mean, or {"column", "kind": "categorical", "reference", "levels"} (one 0/1 column per level, named column=level); NULL when every feature is numeric and none is imputed';

CREATE TABLE mlops.metrics (
	model_id bigint NOT NULL REFERENCES mlops.models ON DELETE CASCADE,
	split text NOT NULL CHECK (split IN ('train', 'test', 'eval', 'cv')),
	metric text NOT NULL,
	value float8,
	PRIMARY KEY (model_id, split, metric)
);
COMMENT ON TABLE mlops.metrics IS 'model quality in long format: one row per model, split and metric';
COMMENT ON COLUMN mlops.metrics.model_id IS 'model the figure belongs to';
COMMENT ON COLUMN mlops.metrics.split IS 'train, test (hold-out), eval (later evaluation) or cv (k-fold cross-validation on the training split)';
COMMENT ON COLUMN mlops.metrics.metric IS 'n, rmse, mae or r2; for cv: folds, rmse_mean, rmse_sd, r2_mean, r2_sd';
COMMENT ON COLUMN mlops.metrics.value IS 'value of the metric';

CREATE TABLE mlops.deployments (
	deployment_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	model_id bigint NOT NULL REFERENCES mlops.models ON DELETE CASCADE,
	deployed_at timestamptz NOT NULL DEFAULT now(),
	deployed_by name NOT NULL DEFAULT current_user,
	strategy text NOT NULL,
	reason text
);
CREATE INDEX ON mlops.deployments (project_id, deployment_id);
COMMENT ON TABLE mlops.deployments IS 'history of deployments: the latest row of a project names the model that serves its predictions';
COMMENT ON COLUMN mlops.deployments.deployment_id IS 'identifier, increasing in the order of deployment';
COMMENT ON COLUMN mlops.deployments.project_id IS 'project deployed';
COMMENT ON COLUMN mlops.deployments.model_id IS 'model put into service';
COMMENT ON COLUMN mlops.deployments.deployed_at IS 'when it was deployed';
COMMENT ON COLUMN mlops.deployments.deployed_by IS 'role that deployed it';
COMMENT ON COLUMN mlops.deployments.strategy IS 'how the model was chosen: always, if_better, version, best, latest, rollback or retrain';
COMMENT ON COLUMN mlops.deployments.reason IS 'why it was deployed, in words';

CREATE VIEW mlops.deployed_models AS
SELECT DISTINCT ON (d.project_id)
	p.name AS project,
	m.model_id,
	m.version,
	m.algorithm,
	d.deployed_at,
	d.deployed_by,
	d.strategy,
	d.reason,
	p.project_id,
	d.deployment_id
FROM mlops.deployments d
JOIN mlops.models m ON m.model_id = d.model_id
JOIN mlops.projects p ON p.project_id = d.project_id
ORDER BY d.project_id, d.deployment_id DESC;
COMMENT ON VIEW mlops.deployed_models IS 'the model each project serves now';
COMMENT ON COLUMN mlops.deployed_models.project IS 'name of the project';
COMMENT ON COLUMN mlops.deployed_models.model_id IS 'model that serves the predictions of the project';
COMMENT ON COLUMN mlops.deployed_models.version IS 'version of that model within the project';
COMMENT ON COLUMN mlops.deployed_models.algorithm IS 'algorithm of that model';
COMMENT ON COLUMN mlops.deployed_models.deployed_at IS 'when it was deployed';
COMMENT ON COLUMN mlops.deployed_models.deployed_by IS 'role that deployed it';
COMMENT ON COLUMN mlops.deployed_models.strategy IS 'how it was chosen: always, if_better, version, best, latest, rollback or retrain';
COMMENT ON COLUMN mlops.deployed_models.reason IS 'why it was deployed, in words';
COMMENT ON COLUMN mlops.deployed_models.project_id IS 'identifier of the project';
COMMENT ON COLUMN mlops.deployed_models.deployment_id IS 'the deployment that put it into service';

SELECT pg_catalog.pg_extension_config_dump('mlops.projects', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.models', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.metrics', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.projects_project_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.models_model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.deployments_deployment_id_seq', '');

GRANT USAGE ON SCHEMA mlops TO PUBLIC;
GRANT SELECT ON mlops.projects, mlops.models, mlops.metrics, mlops.deployments,
	mlops.deployed_models TO PUBLIC;

/* Any change to the deployments, models or projects tells every backend to drop its cached models. */
CREATE FUNCTION mlops.registry_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'mlops_registry_changed'
	LANGUAGE C;
COMMENT ON FUNCTION mlops.registry_changed() IS
	'trigger: sends a relation-cache invalidation for the table, so that every session drops its cached models when the change commits';

CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE ON mlops.deployments
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed_truncate AFTER TRUNCATE ON mlops.deployments
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed AFTER UPDATE OR DELETE ON mlops.projects
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed_truncate AFTER TRUNCATE ON mlops.projects
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed AFTER UPDATE OR DELETE ON mlops.models
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed_truncate AFTER TRUNCATE ON mlops.models
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();

/* ------------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------------ */

CREATE FUNCTION mlops.predict(project text, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict(text, float8[]) IS
	'prediction of the deployed model of a project for one row of features, in the order of the model''s features (with categorical features: its design columns; NULL is the training mean of an imputed feature)';

CREATE FUNCTION mlops.predict(project text, "row" record) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_record'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict(text, record) IS
	'prediction of the deployed model of a project for a row whose columns are named like the model''s features; categorical values are one-hot encoded with the model''s levels (an unseen level is all zeros, counted by mlops.predict_unseen_levels), NULL numeric values imputed as trained';

CREATE FUNCTION mlops.predict(model_id bigint, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_model'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict(bigint, float8[]) IS
	'prediction of one exact model version for one row of features';

CREATE FUNCTION mlops.predict_unseen_levels(reset boolean DEFAULT false)
RETURNS TABLE (project text, feature text, unseen bigint, last_level text)
	AS 'MODULE_PATHNAME', 'mlops_predict_unseen_levels'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION mlops.predict_unseen_levels(boolean) IS
	'values of categorical features that mlops.predict(project, record) met in this session and that were none of the model''s levels (predicted as all zeros), per project and feature, with the latest such value; reset => true returns them and starts the counts again from zero';

/* ------------------------------------------------------------------------
 * Deployment
 * ------------------------------------------------------------------------ */

/* The project row, locked so that versions and deployments of a project are serialised. */
CREATE FUNCTION mlops._lock_project(p_project text, p_privilege text DEFAULT 'owner') RETURNS mlops.projects
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r mlops.projects;
BEGIN
	/* a project the caller may not use so is an error that says so (mlops._require) */
	PERFORM mlops._require(p_project, p_privilege, current_user);
	SELECT * INTO r FROM mlops.projects p WHERE p.name = p_project FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" does not exist', p_project
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN r;
END;
$$;
COMMENT ON FUNCTION mlops._lock_project(text, text) IS 'internal: checks that the caller may use a project for a privilege (owner, train), locks and returns its row';

/* The metric that ranks models of an algorithm (lower is better): log loss for logistic ones, else RMSE. */
CREATE FUNCTION mlops._score_metric(p_algorithm text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_algorithm = 'logistic' THEN 'log_loss' ELSE 'rmse' END;
$$;
COMMENT ON FUNCTION mlops._score_metric(text) IS
	'internal: the metric that compares models of an algorithm, lower being better: log_loss for logistic, rmse for the others';

CREATE FUNCTION mlops._rmse(p_model_id bigint, p_split text) RETURNS float8
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.value FROM mlops.metrics r JOIN mlops.models m ON m.model_id = r.model_id
	WHERE r.model_id = p_model_id AND r.split = p_split AND r.metric = mlops._score_metric(m.algorithm);
$$;
COMMENT ON FUNCTION mlops._rmse(bigint, text) IS 'internal: the score of a model on a split (RMSE; log loss for a logistic model, mlops._score_metric), NULL when not measured';

CREATE FUNCTION mlops._deploy(p_project mlops.projects, p_model_id bigint, p_strategy text, p_reason text)
RETURNS SETOF mlops.deployed_models
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO mlops.deployments (project_id, model_id, strategy, reason)
	VALUES (p_project.project_id, p_model_id, p_strategy, p_reason);
	RETURN QUERY
		SELECT d.* FROM mlops.deployed_models d WHERE d.project_id = p_project.project_id;
END;
$$;
COMMENT ON FUNCTION mlops._deploy(mlops.projects, bigint, text, text) IS 'internal: records a deployment';

CREATE FUNCTION mlops.deploy(project text, version integer)
RETURNS SETOF mlops.deployed_models
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
	mid bigint;
BEGIN
	p := mlops._lock_project($1);
	SELECT m.model_id INTO mid FROM mlops.models m
	WHERE m.project_id = p.project_id AND m.version = $2;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'version % of project "%" does not exist', $2, $1
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN QUERY SELECT * FROM mlops._deploy(p, mid, 'version', format('version %s requested', $2));
END;
$$;
COMMENT ON FUNCTION mlops.deploy(text, integer) IS 'deploys one version of a project';

CREATE FUNCTION mlops.deploy(project text, strategy text)
RETURNS SETOF mlops.deployed_models
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
	mid bigint;
	stack bigint[] := '{}';
	d record;
	why text;
BEGIN
	p := mlops._lock_project($1);
	IF $2 = 'best' THEN
		/*
		 * test RMSE among the versions that have one; training RMSE when none
		 * has (log loss when the project's latest algorithm is logistic)
		 */
		SELECT m.model_id, format('version %s has the lowest %s %s of all versions', m.version,
								  CASE WHEN r.split = 'test' THEN 'test' ELSE 'training' END,
								  CASE WHEN r.metric = 'rmse' THEN 'RMSE' ELSE 'log loss' END)
		INTO mid, why
		FROM mlops.models m
		JOIN mlops.metrics r ON r.model_id = m.model_id AND r.metric = mlops._score_metric(p.algorithm)
		WHERE m.project_id = p.project_id
		  AND r.split = CASE WHEN EXISTS (SELECT 1 FROM mlops.metrics t JOIN mlops.models tm USING (model_id)
										  WHERE tm.project_id = p.project_id AND t.split = 'test'
											AND t.metric = mlops._score_metric(p.algorithm))
							 THEN 'test' ELSE 'train' END
		ORDER BY r.value, m.version DESC
		LIMIT 1;
	ELSIF $2 = 'latest' THEN
		SELECT m.model_id, format('latest version %s', m.version)
		INTO mid, why
		FROM mlops.models m
		WHERE m.project_id = p.project_id
		ORDER BY m.version DESC
		LIMIT 1;
	ELSIF $2 = 'rollback' THEN
		/* Replay the history: a deployment pushes its model, a rollback pops one. */
		FOR d IN SELECT dd.model_id, dd.strategy FROM mlops.deployments dd
				 WHERE dd.project_id = p.project_id ORDER BY dd.deployment_id
		LOOP
			IF d.strategy = 'rollback' THEN
				stack := stack[1:cardinality(stack) - 1];
			ELSE
				stack := stack || d.model_id;
			END IF;
		END LOOP;
		IF cardinality(stack) < 2 THEN
			RAISE EXCEPTION 'project "%" has no earlier deployment to roll back to', $1
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		mid := stack[cardinality(stack) - 1];
		SELECT format('rolled back from version %s to version %s',
					  (SELECT m.version FROM mlops.models m WHERE m.model_id = stack[cardinality(stack)]),
					  (SELECT m.version FROM mlops.models m WHERE m.model_id = mid))
		INTO why;
	ELSE
		RAISE EXCEPTION 'unknown deployment strategy "%"', $2
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "best", "latest", "rollback", or a version number.';
	END IF;
	IF mid IS NULL THEN
		RAISE EXCEPTION 'project "%" has no model to deploy', $1
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	RETURN QUERY SELECT * FROM mlops._deploy(p, mid, $2, why);
END;
$$;
COMMENT ON FUNCTION mlops.deploy(text, text) IS
	'deploys the best (lowest test RMSE, or log loss for logistic projects), the latest, or the previously deployed (rollback) version of a project';

CREATE FUNCTION mlops.drop_project(project text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
	v_rel text;
BEGIN
	p := mlops._lock_project($1);
	/* its pg_cron job goes too */
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1 AND username = current_user'
			USING mlops._retrain_job_name($1);
	END IF;
	/* its monitoring triggers (wherever the tables are now, renamed or not) and summaries too */
	FOR v_rel IN SELECT t.tgrelid::regclass::text FROM pg_catalog.pg_trigger t
				 WHERE t.tgname = 'mlops_drift_' || p.project_id
				   AND t.tgfoid = 'mlops.drift_trigger()'::pg_catalog.regprocedure LOOP
		EXECUTE format('DROP TRIGGER %I ON %s', 'mlops_drift_' || p.project_id, v_rel);
	END LOOP;
	DELETE FROM mlops.drift_log WHERE project_id = p.project_id;
	DELETE FROM mlops.deployments WHERE project_id = p.project_id;
	DELETE FROM mlops.models WHERE project_id = p.project_id;
	DELETE FROM mlops.projects WHERE project_id = p.project_id;
END;
$$;
COMMENT ON FUNCTION mlops.drop_project(text) IS 'drops a project with all its models, metrics, deployments, retraining runs, retraining schedule, monitoring triggers, drift summaries and alerts';

/* ------------------------------------------------------------------------
 * Training
 * ------------------------------------------------------------------------ */

CREATE FUNCTION mlops.ols_result(state mlops.fitstate, column_names text[]) RETURNS mlops.ols_result
	AS 'MODULE_PATHNAME', 'mlops_ols_result_named'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ols_result(mlops.fitstate, text[]) IS
	'like mlops.ols_result(fitstate), naming the columns of x in its errors';

CREATE FUNCTION mlops.ols_result(state mlops.fitstate, column_names text[], coef float8[], moments float8[])
	RETURNS mlops.ols_result
	AS 'MODULE_PATHNAME', 'mlops_ols_result_refined'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ols_result(mlops.fitstate, text[], float8[], float8[]) IS
	'the fit of a state refined by one step: coefficients coef + d with R''R d = g and RSS rss - d''g, from moments = mlops.residual_moments(coef, ...) over the same rows';

CREATE FUNCTION mlops._is_numeric_column(p_rel regclass, p_column text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE base(oid, basetype) AS (
		SELECT t.oid, t.typbasetype
		FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = p_rel AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT t.oid, t.typbasetype FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.basetype
	)
	SELECT b.oid IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype,
					 'pg_catalog.float4'::regtype, 'pg_catalog.float8'::regtype, 'pg_catalog.numeric'::regtype)
	FROM base b WHERE b.basetype = 0;
$$;
COMMENT ON FUNCTION mlops._is_numeric_column(regclass, text) IS
	'internal: whether a column is smallint, integer, bigint, real, double precision or numeric (or a domain over one); NULL when it does not exist';

/* Whether a column is boolean (or a domain over it): a logistic target may be. */
CREATE FUNCTION mlops._is_boolean_column(p_rel regclass, p_column text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE base(oid, basetype) AS (
		SELECT t.oid, t.typbasetype
		FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = p_rel AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT t.oid, t.typbasetype FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.basetype
	)
	SELECT b.oid = 'pg_catalog.bool'::regtype FROM base b WHERE b.basetype = 0;
$$;
COMMENT ON FUNCTION mlops._is_boolean_column(regclass, text) IS
	'internal: whether a column is boolean (or a domain over it); NULL when it does not exist';

/* ---- categorical and missing features: the encoding and the design columns ---- */

/* Most levels a categorical feature may have in the training rows. */
CREATE FUNCTION mlops._max_levels() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 100 $$;
COMMENT ON FUNCTION mlops._max_levels() IS
	'internal: the most levels (distinct values in the training rows) a categorical feature may have: 100';

/*
 * The kind of a column as a feature: numeric (smallint, integer, bigint,
 * real, double precision, numeric), categorical (text, character varying,
 * character, boolean or an enum), or other; domains count as their base
 * type; NULL when the column does not exist.
 */
CREATE FUNCTION mlops._feature_kind(p_rel regclass, p_column text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE base(oid, basetype, typtype) AS (
		SELECT t.oid, t.typbasetype, t.typtype
		FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = p_rel AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT t.oid, t.typbasetype, t.typtype FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.basetype
	)
	SELECT CASE WHEN b.oid IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype,
							   'pg_catalog.float4'::regtype, 'pg_catalog.float8'::regtype,
							   'pg_catalog.numeric'::regtype) THEN 'numeric'
				WHEN b.oid IN ('pg_catalog.text'::regtype, 'pg_catalog.varchar'::regtype, 'pg_catalog.bpchar'::regtype,
							   'pg_catalog.bool'::regtype) OR b.typtype = 'e' THEN 'categorical'
				ELSE 'other' END
	FROM base b WHERE b.basetype = 0;
$$;
COMMENT ON FUNCTION mlops._feature_kind(regclass, text) IS
	'internal: numeric, categorical (text, varchar, char, boolean, enum) or other, for a column as a feature; NULL when it does not exist';

/*
 * Errors for a feature column that is missing or of a type no feature can
 * have; with p_kind, also for one whose kind is not the model's.  Returns
 * the column's kind.
 */
CREATE FUNCTION mlops._check_feature_column(p_rel regclass, p_column text, p_kind text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_kind text;
BEGIN
	IF p_kind = 'numeric' THEN
		PERFORM mlops._check_numeric_column(p_rel, p_column, 'feature');
		RETURN 'numeric';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p_rel) THEN
		RAISE EXCEPTION 'relation with OID % does not exist', p_rel::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	v_kind := mlops._feature_kind(p_rel, p_column);
	IF v_kind IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', p_column, mlops._relname(p_rel)
			USING ERRCODE = 'undefined_column';
	END IF;
	IF v_kind = 'other' OR (p_kind = 'categorical' AND v_kind <> 'categorical') THEN
		RAISE EXCEPTION 'feature column "%" of relation "%" is not %', p_column, mlops._relname(p_rel),
						CASE WHEN p_kind = 'categorical' THEN 'text, enum or boolean'
							 ELSE 'numeric, text, enum or boolean' END
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('Its type is %s.',
								  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
								   WHERE a.attrelid = p_rel AND a.attname = p_column)),
				  HINT = CASE WHEN p_kind = 'categorical'
							  THEN 'The model one-hot encodes this feature: it takes a text, enum or boolean column.'
							  ELSE 'Numeric columns are features as they are; text, enum and boolean columns are one-hot encoded.' END;
	END IF;
	RETURN v_kind;
END;
$$;
COMMENT ON FUNCTION mlops._check_feature_column(regclass, text, text) IS
	'internal: raises the error for a feature column that does not exist, cannot be a feature, or (given the model''s kind) is not of that kind; returns its kind';

/* The checks of _check_feature_column for every feature of a model, against the kinds of its encoding. */
CREATE FUNCTION mlops._check_model_columns(p_rel regclass, p_features text[], p_encoding jsonb) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	FOR j IN 1 .. coalesce(cardinality(p_features), 0) LOOP
		PERFORM mlops._check_feature_column(p_rel, p_features[j],
											coalesce(p_encoding -> (j - 1) ->> 'kind', 'numeric'));
	END LOOP;
END;
$$;
COMMENT ON FUNCTION mlops._check_model_columns(regclass, text[], jsonb) IS
	'internal: checks that a relation has every feature column of a model, each of the kind the model takes';

/*
 * The design columns of a model: one per numeric feature, one per
 * non-reference level of a categorical feature, in the order of the
 * coefficients (after the intercept); each with its name ("x1",
 * "color=green"), the SQL that computes it from a row (a float8; NULL when
 * the row cannot be used), the position of its feature in p_features and
 * the level it is 1 for.  Without an encoding every feature is numeric.
 * p_impute false leaves NULL numeric values NULL (the drift baselines).
 */
CREATE FUNCTION mlops._design(p_features text[], p_encoding jsonb, p_impute boolean DEFAULT true)
RETURNS TABLE (ordinal integer, name text, expr text, source integer, level text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT (row_number() OVER (ORDER BY d.j, d.k))::integer, d.name, d.expr, d.j::integer, d.level
	FROM (SELECT u.o AS j, 0::bigint AS k, u.f AS name, format('%I::float8', u.f) AS expr, NULL::text AS level
		  FROM unnest(p_features) WITH ORDINALITY AS u(f, o)
		  WHERE p_encoding IS NULL
		  UNION ALL
		  SELECT e.o, 0, e.v ->> 'column',
				 CASE WHEN p_impute AND e.v ? 'impute'
					  THEN format('coalesce(%I::float8, %L::float8)', e.v ->> 'column', e.v ->> 'impute')
					  ELSE format('%I::float8', e.v ->> 'column') END,
				 NULL
		  FROM jsonb_array_elements(p_encoding) WITH ORDINALITY AS e(v, o)
		  WHERE e.v ->> 'kind' = 'numeric'
		  UNION ALL
		  SELECT e.o, l.k, format('%s=%s', e.v ->> 'column', l.level),
				 format('(%I::text COLLATE "C" = %L)::integer::float8', e.v ->> 'column', l.level), l.level
		  FROM jsonb_array_elements(p_encoding) WITH ORDINALITY AS e(v, o),
			   jsonb_array_elements_text(e.v -> 'levels') WITH ORDINALITY AS l(level, k)
		  WHERE e.v ->> 'kind' = 'categorical') d
	ORDER BY 1;
$$;
COMMENT ON FUNCTION mlops._design(text[], jsonb, boolean) IS
	'internal: the design columns of a model (name, SQL expression, feature position, level) from its features and encoding';

/* The design as arrays, for predict's model cache; all NULL without an encoding. */
CREATE FUNCTION mlops._design_arrays(p_features text[], p_encoding jsonb,
									 OUT names text[], OUT sources integer[], OUT levels text[],
									 OUT impute float8[], OUT kinds text[], OUT refs text[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(array_agg(d.name ORDER BY d.ordinal), '{}'),
		   coalesce(array_agg(d.source ORDER BY d.ordinal), '{}'),
		   coalesce(array_agg(d.level ORDER BY d.ordinal), '{}'),
		   coalesce(array_agg((p_encoding -> (d.source - 1) ->> 'impute')::float8 ORDER BY d.ordinal), '{}'),
		   ARRAY(SELECT e.v ->> 'kind' FROM jsonb_array_elements(p_encoding) WITH ORDINALITY AS e(v, o) ORDER BY e.o),
		   ARRAY(SELECT e.v ->> 'reference' FROM jsonb_array_elements(p_encoding) WITH ORDINALITY AS e(v, o) ORDER BY e.o)
	FROM mlops._design(p_features, p_encoding) d
	/* no row, so every column NULL, for a model without an encoding */
	HAVING p_encoding IS NOT NULL;
$$;
COMMENT ON FUNCTION mlops._design_arrays(text[], jsonb) IS
	'internal: the design columns of a model as arrays (names, feature positions, levels, imputed means) and its features'' kinds and reference levels, as predict reads them';

/*
 * The encoding of features for a training: for each feature, in order,
 * {"column", "kind": "numeric"} (with "impute": the mean when p_nulls is
 * impute_mean) or {"column", "kind": "categorical", "reference", "levels"}.
 * Levels and means come from the rows the fit can use: the training split
 * (p_split false) with a target, a weight and every feature that is not
 * imputed.  Levels are ordered as text in byte order ("C"), booleans false
 * first, enums in the enum's order; the first is the reference, except for
 * the first categorical feature of a model without an intercept, which keeps
 * every level.  NULL when every feature is numeric and none is imputed.
 */
CREATE FUNCTION mlops._encode(p_rel regclass, p_target text, p_features text[], p_kinds text[],
							  p_intercept boolean, p_nulls text, p_weights text, p_split text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
	v_cats integer[] := ARRAY(SELECT u.o FROM unnest(p_kinds) WITH ORDINALITY AS u(k, o)
							  WHERE u.k = 'categorical' ORDER BY u.o);
	v_imputed integer[] := CASE WHEN p_nulls = 'impute_mean'
								THEN ARRAY(SELECT u.o FROM unnest(p_kinds) WITH ORDINALITY AS u(k, o)
										   WHERE u.k = 'numeric' ORDER BY u.o)
								ELSE '{}' END;
	v_usable text;
	v_sql text;
	v_levels jsonb := '{}';
	v_means float8[];
	v_n bigint;
	v_count integer := 0;
	v_j integer := 0;
	v_enc jsonb := '[]';
	v_lv jsonb;
	v_full boolean := NOT p_intercept;
	r record;
BEGIN
	IF cardinality(v_cats) = 0 AND cardinality(v_imputed) = 0 THEN
		RETURN NULL;
	END IF;
	/* the rows the fit can use */
	v_usable := format('%I IS NOT NULL', p_target)
				|| CASE WHEN p_weights IS NOT NULL THEN format(' AND %I IS NOT NULL', p_weights) ELSE '' END
				|| coalesce((SELECT string_agg(format(' AND %I IS NOT NULL', f), '' ORDER BY o)
							 FROM unnest(p_features) WITH ORDINALITY AS u(f, o)
							 WHERE NOT o = ANY (v_imputed)), '');

	/*
	 * Levels: one scan, one grouping set per categorical feature; then in
	 * order, stopping at the first feature with too many.
	 */
	IF cardinality(v_cats) > 0 THEN
		v_sql := format('SELECT u.j, u.v FROM (SELECT %s FROM %s WHERE NOT (%s) AND %s GROUP BY GROUPING SETS (%s)) g, '
						'LATERAL (VALUES %s) AS u(j, v, k) WHERE u.v IS NOT NULL ORDER BY u.j, u.k, u.v COLLATE "C"',
						(SELECT string_agg(format('%I::text COLLATE "C" AS v%s', p_features[j], j), ', ' ORDER BY j)
						 FROM unnest(v_cats) j),
						p_rel, p_split, v_usable,
						(SELECT string_agg(format('(%I::text COLLATE "C")', p_features[j]), ', ' ORDER BY j)
						 FROM unnest(v_cats) j),
						(SELECT string_agg(format('(%s, g.v%s, %s)', j, j,
							   /* an enum (or a domain over one): the enum's order */
							   coalesce((WITH RECURSIVE b(t) AS (
											 SELECT a.atttypid FROM pg_catalog.pg_attribute a
											 WHERE a.attrelid = p_rel AND a.attname = p_features[j]
											   AND a.attnum > 0 AND NOT a.attisdropped
											 UNION ALL
											 SELECT ty.typbasetype FROM b JOIN pg_catalog.pg_type ty ON ty.oid = b.t
											 WHERE ty.typbasetype <> 0)
										 SELECT format('(SELECT e.enumsortorder FROM pg_catalog.pg_enum e '
													   'WHERE e.enumtypid = %s AND e.enumlabel::text = g.v%s)', t.oid, j)
										 FROM b JOIN pg_catalog.pg_type t ON t.oid = b.t WHERE t.typtype = 'e'),
										'NULL::real')), ', ' ORDER BY j)
						 FROM unnest(v_cats) j));
		FOR r IN EXECUTE v_sql LOOP
			IF r.j <> v_j THEN
				v_j := r.j;
				v_count := 0;
			END IF;
			v_count := v_count + 1;
			IF v_count > mlops._max_levels() THEN
				RAISE EXCEPTION 'feature column "%" of relation "%" has more than % distinct values',
								p_features[v_j], mlops._relname(p_rel), mlops._max_levels()
					USING ERRCODE = 'program_limit_exceeded',
						  DETAIL = format('A text, enum or boolean feature is one-hot encoded, with at most %s levels in the training rows.',
										  mlops._max_levels()),
						  HINT = 'Group rare values into one (a view can do that), or leave the column out of the features.';
			END IF;
			v_levels := v_levels || jsonb_build_object(v_j::text, coalesce(v_levels -> v_j::text, '[]') || to_jsonb(r.v));
		END LOOP;
	END IF;

	/* means of the imputed features over the same rows, in a second scan */
	IF cardinality(v_imputed) > 0 THEN
		v_sql := format('SELECT count(*), ARRAY[%s] FROM %s WHERE NOT (%s) AND %s',
						(SELECT string_agg(format('avg(%I::float8)', p_features[j]), ', ' ORDER BY j)
						 FROM unnest(v_imputed) j),
						p_rel, p_split, v_usable);
		EXECUTE v_sql INTO v_n, v_means;
		FOR i IN 1 .. cardinality(v_imputed) LOOP
			IF v_n > 0 AND v_means[i] IS NULL THEN
				RAISE EXCEPTION 'feature column "%" of relation "%" is NULL in every training row', p_features[v_imputed[i]],
								mlops._relname(p_rel)
					USING ERRCODE = 'null_value_not_allowed',
						  HINT = 'There is no mean to impute: leave the column out of the features.';
			END IF;
			IF v_means[i] IN ('NaN', 'Infinity', '-Infinity') THEN
				RAISE EXCEPTION 'cannot impute feature column "%" of relation "%": its mean over the training rows is %',
								p_features[v_imputed[i]], mlops._relname(p_rel), v_means[i]
					USING ERRCODE = 'data_exception';
			END IF;
		END LOOP;
	END IF;

	FOR j IN 1 .. cardinality(p_features) LOOP
		IF p_kinds[j] = 'categorical' THEN
			v_lv := coalesce(v_levels -> j::text, '[]');
			IF v_full THEN
				/* no intercept: the first categorical feature keeps every level, as R and patsy code it */
				v_enc := v_enc || jsonb_build_array(jsonb_build_object('column', p_features[j], 'kind', 'categorical',
																	   'reference', NULL, 'levels', v_lv));
				v_full := false;
			ELSE
				v_enc := v_enc || jsonb_build_array(jsonb_build_object('column', p_features[j], 'kind', 'categorical',
																	   'reference', v_lv -> 0, 'levels', v_lv - 0));
			END IF;
		ELSE
			v_enc := v_enc || jsonb_build_array(jsonb_build_object('column', p_features[j], 'kind', 'numeric')
												|| CASE WHEN j = ANY (v_imputed) AND v_n > 0
														THEN jsonb_build_object('impute', v_means[array_position(v_imputed, j)])
														ELSE '{}' END);
		END IF;
	END LOOP;
	RETURN v_enc;
END;
$$;
COMMENT ON FUNCTION mlops._encode(regclass, text, text[], text[], boolean, text, text, text) IS
	'internal: the encoding of a training''s features (levels of the categorical ones, means of the imputed ones) from the rows the fit can use';

/*
 * The drift baselines of a model (any encoding, or none), from p_base and
 * p_edges, those of the prediction and of every design column (mlops.baseline_stats
 * with NULL values left NULL).  Ordinal 0 is the prediction; ordinal j the
 * j-th feature: a numeric one as its design column; a categorical one as the
 * counts of its levels over the training split: level i of the list
 * (reference, levels...) is the value i - 1, the edges are 0.5, 1.5, ...,
 * L - 0.5, so bin i - 1 counts level i and the last bin the values that are
 * none of the L levels; mean, sd, min and max are NULL.
 */
CREATE FUNCTION mlops._store_baselines(p_model_id bigint, p_rel regclass, p_split text, p_features text[],
									   p_encoding jsonb, p_base float8[], p_edges jsonb, p_bins integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_cats integer[] := ARRAY(SELECT u.o FROM jsonb_array_elements(p_encoding) WITH ORDINALITY AS u(e, o)
							  WHERE u.e ->> 'kind' = 'categorical' ORDER BY u.o);
	v_all jsonb[];
	v_counts jsonb;
BEGIN
	INSERT INTO mlops.baselines (model_id, ordinal, feature, n, n_null, mean, sd, min, max, edges, counts)
	SELECT p_model_id, x.ordinal, x.feature, p_base[x.o][1]::bigint, p_base[x.o][2]::bigint,
		   p_base[x.o][3], p_base[x.o][4], p_base[x.o][5], p_base[x.o][6],
		   ARRAY(SELECT jsonb_array_elements_text(p_edges -> (x.o - 1))::float8),
		   ARRAY(SELECT p_base[x.o][6 + b]::bigint FROM generate_series(1, p_bins) b ORDER BY b)
	FROM (SELECT 0 AS ordinal, '(prediction)' AS feature, 1 AS o
		  UNION ALL
		  SELECT d.source, p_features[d.source], d.ordinal + 1
		  FROM mlops._design(p_features, p_encoding) d WHERE d.level IS NULL) x;
	IF cardinality(v_cats) = 0 THEN
		RETURN;
	END IF;

	/* every level of each categorical feature, the reference first */
	v_all := ARRAY(SELECT CASE WHEN jsonb_typeof(p_encoding -> (j - 1) -> 'reference') = 'string'
							   THEN jsonb_build_array(p_encoding -> (j - 1) -> 'reference') ELSE '[]' END
						  || (p_encoding -> (j - 1) -> 'levels')
				   FROM unnest(v_cats) WITH ORDINALITY AS u(j, k) ORDER BY k);
	EXECUTE format('SELECT jsonb_build_array(%s) FROM %s WHERE NOT (%s)',
				   (SELECT string_agg(format('jsonb_build_array(count(%1$I), count(*) - count(%1$I), '
											 'mlops.bin_counts(%2$L::float8[], CASE WHEN %1$I IS NOT NULL THEN '
											 'CASE %1$I::text COLLATE "C" %3$s ELSE %4$s END END::float8))',
											 p_features[u.j],
											 ARRAY(SELECT i - 0.5 FROM generate_series(1, jsonb_array_length(v_all[u.k])) i),
											 (SELECT string_agg(format('WHEN %L THEN %s', l.v, l.o - 1), ' ' ORDER BY l.o)
											  FROM jsonb_array_elements_text(v_all[u.k]) WITH ORDINALITY AS l(v, o)),
											 jsonb_array_length(v_all[u.k])),
									  ', ' ORDER BY u.k)
					FROM unnest(v_cats) WITH ORDINALITY AS u(j, k)),
				   p_rel, p_split)
	INTO v_counts;
	INSERT INTO mlops.baselines (model_id, ordinal, feature, n, n_null, mean, sd, min, max, edges, counts)
	SELECT p_model_id, u.j, p_features[u.j], (v_counts -> (u.k::int - 1) ->> 0)::bigint,
		   (v_counts -> (u.k::int - 1) ->> 1)::bigint, NULL, NULL, NULL, NULL,
		   ARRAY(SELECT i - 0.5 FROM generate_series(1, jsonb_array_length(v_all[u.k])) i),
		   ARRAY(SELECT c::bigint FROM jsonb_array_elements_text(v_counts -> (u.k::int - 1) -> 2) WITH ORDINALITY AS b(c, o)
				 ORDER BY b.o)
	FROM unnest(v_cats) WITH ORDINALITY AS u(j, k);
END;
$$;
COMMENT ON FUNCTION mlops._store_baselines(bigint, regclass, text, text[], jsonb, float8[], jsonb, integer) IS
	'internal: stores the drift baselines of a model: the prediction, each numeric feature, and the level counts of each categorical feature';

/* What is wrong with an encoding of a model's features (mlops.import_model), in a sentence; NULL if nothing. */
CREATE FUNCTION mlops._encoding_problem(p_features text[], p_intercept boolean, p_encoding jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_e jsonb;
	v_key text;
	v_first boolean := true;
	v_where text;
BEGIN
	IF jsonb_typeof(p_encoding) IS DISTINCT FROM 'array' OR jsonb_array_length(p_encoding) <> cardinality(p_features) THEN
		RETURN format('Key "encoding" must be an array of %s objects, one for each feature.', cardinality(p_features));
	END IF;
	FOR j IN 1 .. cardinality(p_features) LOOP
		v_e := p_encoding -> (j - 1);
		v_where := format('Element %s of "encoding"', j);
		IF jsonb_typeof(v_e) <> 'object' THEN
			RETURN format('%s is a JSON %s, not an object.', v_where, jsonb_typeof(v_e));
		END IF;
		SELECT k INTO v_key FROM jsonb_object_keys(v_e) k
		WHERE k NOT IN ('column', 'kind', 'impute', 'reference', 'levels') ORDER BY k LIMIT 1;
		IF FOUND THEN
			RETURN format('%s has key "%s"; the keys are "column", "kind", "impute", "reference" and "levels".', v_where, v_key);
		END IF;
		IF v_e -> 'column' IS DISTINCT FROM to_jsonb(p_features[j]) THEN
			RETURN format('%s must have "column": "%s", the feature in its place.', v_where, p_features[j]);
		END IF;
		IF v_e -> 'kind' = '"numeric"' THEN
			IF v_e ? 'reference' OR v_e ? 'levels' THEN
				RETURN format('%s is numeric: it has no "reference" or "levels".', v_where);
			END IF;
			IF v_e ? 'impute' AND (mlops._json_float8(v_e -> 'impute') IS NULL
								   OR mlops._json_float8(v_e -> 'impute') IN ('Infinity', '-Infinity')) THEN
				RETURN format('%s has "impute" %s, not a number in the range of double precision.', v_where, v_e -> 'impute');
			END IF;
		ELSIF v_e -> 'kind' = '"categorical"' THEN
			IF v_e ? 'impute' THEN
				RETURN format('%s is categorical: it has no "impute".', v_where);
			END IF;
			IF jsonb_typeof(v_e -> 'levels') IS DISTINCT FROM 'array'
			   OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_e -> 'levels') l WHERE jsonb_typeof(l) <> 'string')
			   OR (SELECT count(DISTINCT l) FROM jsonb_array_elements(v_e -> 'levels') l) <> jsonb_array_length(v_e -> 'levels') THEN
				RETURN format('%s must have "levels", an array of distinct strings.', v_where);
			END IF;
			IF NOT v_e ? 'reference' OR jsonb_typeof(v_e -> 'reference') NOT IN ('string', 'null') THEN
				RETURN format('%s must have "reference", a string or null.', v_where);
			END IF;
			IF jsonb_typeof(v_e -> 'reference') = 'null' AND NOT (v_first AND NOT p_intercept) THEN
				RETURN format('%s has no reference level; only the first categorical feature of a model without an intercept may have none.',
							  v_where);
			END IF;
			IF v_e -> 'levels' @> jsonb_build_array(v_e -> 'reference') THEN
				RETURN format('%s has its reference %s among its levels.', v_where, v_e -> 'reference');
			END IF;
			IF jsonb_array_length(v_e -> 'levels') + (jsonb_typeof(v_e -> 'reference') = 'string')::int > mlops._max_levels() THEN
				RETURN format('%s has more than %s levels.', v_where, mlops._max_levels());
			END IF;
			v_first := false;
		ELSE
			RETURN format('%s must have "kind": "numeric" or "categorical".', v_where);
		END IF;
	END LOOP;
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION mlops._encoding_problem(text[], boolean, jsonb) IS
	'internal: what is wrong with the encoding of a model document, as a sentence for the error detail; NULL when it is valid';

/*
 * SQL for the x arguments of the scans: ", 1::float8, "a"::float8, ..." (the
 * intercept first), or ", ARRAY[...]" beyond 90 values, since a function
 * takes at most 100 arguments.  With an encoding, the design columns
 * (mlops._design).
 */
CREATE FUNCTION mlops._xargs_sql(p_features text[], p_intercept boolean, p_encoding jsonb DEFAULT NULL,
								 p_impute boolean DEFAULT true) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN cardinality(l) <= 90 THEN ', ' || array_to_string(l, ', ')
				ELSE ', ARRAY[' || array_to_string(l, ', ') || ']' END
	FROM (SELECT CASE WHEN p_intercept THEN ARRAY['1::float8'] ELSE '{}' END
				 || coalesce((SELECT array_agg(d.expr ORDER BY d.ordinal)
							  FROM mlops._design(p_features, p_encoding, p_impute) d), '{}') AS l) s;
$$;
COMMENT ON FUNCTION mlops._xargs_sql(text[], boolean, jsonb, boolean) IS
	'internal: SQL for the x arguments of the fit and metrics scans (the design columns of an encoding; p_impute false leaves NULL values NULL)';

/*
 * SQL that is true for a row of the test split: the hash of the target and of
 * every numeric column of the relation (whatever the features) is below the
 * fraction; 'false' when nothing is held out.  A boolean target (logistic)
 * hashes as 0 or 1.
 */
CREATE FUNCTION mlops._hash_sql(p_rel regclass, p_target text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format(CASE WHEN cardinality(l) <= 90 THEN 'mlops.holdout_hash(%s)'
					   ELSE 'mlops.holdout_hash(ARRAY[%s])' END,
				  array_to_string(l, ', '))
	FROM (SELECT format(CASE WHEN mlops._is_boolean_column(p_rel, p_target) THEN '%I::integer::float8'
							 ELSE '%I::float8' END, p_target)
				 || coalesce((SELECT array_agg(format('%I::float8', a.attname) ORDER BY a.attnum)
							  FROM pg_catalog.pg_attribute a
							  WHERE a.attrelid = p_rel AND a.attnum > 0 AND NOT a.attisdropped
								AND a.attname <> p_target
								AND mlops._is_numeric_column(p_rel, a.attname::text)), '{}') AS l) s;
$$;
COMMENT ON FUNCTION mlops._hash_sql(regclass, text) IS
	'internal: SQL for the hash of a row that decides its split and its fold';

CREATE FUNCTION mlops._split_sql(p_rel regclass, p_target text, p_fraction float8) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_fraction > 0
				THEN format('%s < %L::float8', mlops._hash_sql(p_rel, p_target), p_fraction)
				ELSE 'false' END;
$$;
COMMENT ON FUNCTION mlops._split_sql(regclass, text, float8) IS
	'internal: SQL condition that puts a row of the relation in the test split';

/*
 * Record a trained model: the project (created on first use and locked, so
 * versions never collide), the model, its metrics, and its deployment as the
 * deploy mode says.
 */
CREATE FUNCTION mlops._record_model(p_project text, p_rel regclass, p_target text, p_features text[],
									p_algorithm text, p_params jsonb, p_fraction float8, p_intercept boolean,
									p_res mlops.ols_result, p_state mlops.fitstate, p_metrics jsonb,
									p_watermark text, p_deploy text, p_extra jsonb DEFAULT '{}',
									p_encoding jsonb DEFAULT NULL)
RETURNS TABLE (model_id bigint, version integer, deployed boolean, reason text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
SET datestyle = 'ISO, YMD'
AS $$
#variable_conflict use_column
DECLARE
	v_proj mlops.projects;
	v_version integer;
	v_model_id bigint;
	v_old_model bigint;
	v_split text;
	v_old_score float8;
	v_new_score float8;
	v_deployed boolean := false;
	v_reason text;
BEGIN
	INSERT INTO mlops.projects AS p (name) VALUES (p_project) ON CONFLICT (name) DO NOTHING;
	v_proj := mlops._lock_project(p_project, 'train');
	IF p_deploy <> 'never' THEN
		PERFORM mlops._require_deploy(p_project);
	END IF;
	UPDATE mlops.projects p
	SET relation = p_rel::text, target = p_target, features = p_features,
		algorithm = p_algorithm, params = p_params, test_fraction = p_fraction
	WHERE p.project_id = v_proj.project_id;

	SELECT coalesce(max(m.version), 0) + 1 INTO v_version
	FROM mlops.models m WHERE m.project_id = v_proj.project_id;

	INSERT INTO mlops.models AS m (project_id, version, algorithm, params, relation, target, features,
								   intercept, coefficients, statistics, state, test_fraction, n_rows,
								   n_skipped, watermark, encoding)
	VALUES (v_proj.project_id, v_version, p_algorithm, p_params, p_rel::text, p_target, p_features,
			p_intercept, p_res.coef, (to_jsonb(p_res) - 'vcov') || coalesce(p_extra, '{}'), p_state, p_fraction, p_res.n_rows,
			p_res.n_skipped, p_watermark, p_encoding)
	RETURNING m.model_id INTO v_model_id;

	INSERT INTO mlops.metrics (model_id, split, metric, value)
	SELECT v_model_id, s.key, m.key, (m.value #>> '{}')::float8
	FROM jsonb_each(p_metrics) s, jsonb_each(s.value) m;

	SELECT d.model_id INTO v_old_model FROM mlops.deployed_models d WHERE d.project_id = v_proj.project_id;
	IF p_deploy = 'always' THEN
		v_deployed := true;
		v_reason := 'deploy => always';
	ELSIF p_deploy = 'never' THEN
		v_reason := 'deploy => never';
	ELSIF v_old_model IS NULL THEN
		v_deployed := true;
		v_reason := 'no model was deployed';
	ELSIF (SELECT mlops._score_metric(m.algorithm) FROM mlops.models m WHERE m.model_id = v_old_model)
		  <> mlops._score_metric(p_algorithm) THEN
		/* a logistic model and a regression: their scores do not compare */
		v_reason := format('version %s is %s and deployed version %s is %s: their scores (%s, %s) do not compare',
						   v_version, p_algorithm,
						   (SELECT m.version FROM mlops.models m WHERE m.model_id = v_old_model),
						   (SELECT m.algorithm FROM mlops.models m WHERE m.model_id = v_old_model),
						   mlops._score_metric(p_algorithm),
						   (SELECT mlops._score_metric(m.algorithm) FROM mlops.models m WHERE m.model_id = v_old_model));
	ELSE
		/* compare like with like: test RMSE (log loss) when both have one, else training RMSE */
		v_split := CASE WHEN mlops._rmse(v_old_model, 'test') IS NOT NULL
							 AND mlops._rmse(v_model_id, 'test') IS NOT NULL
						THEN 'test' ELSE 'train' END;
		v_old_score := mlops._rmse(v_old_model, v_split);
		v_new_score := mlops._rmse(v_model_id, v_split);
		v_deployed := v_new_score < v_old_score;
		v_reason := format('%s %s %s %s %s of deployed version %s',
						   v_split, mlops._score_metric(p_algorithm), v_new_score,
						   CASE WHEN v_deployed THEN 'beats' ELSE 'does not beat' END,
						   v_old_score,
						   (SELECT m.version FROM mlops.models m WHERE m.model_id = v_old_model));
	END IF;
	IF v_deployed THEN
		INSERT INTO mlops.deployments (project_id, model_id, strategy, reason)
		VALUES (v_proj.project_id, v_model_id, p_deploy, v_reason);
	END IF;
	RETURN QUERY SELECT v_model_id, v_version, v_deployed, v_reason;
END;
$$;
COMMENT ON FUNCTION mlops._record_model(text, regclass, text, text[], text, jsonb, float8, boolean, mlops.ols_result, mlops.fitstate, jsonb, text, text, jsonb, jsonb) IS
	'internal: records a trained model (project, model, metrics) and deploys it as asked';

/* The elements of an array whose positions are not listed. */
CREATE FUNCTION mlops._compact(p_values float8[], p_drop bigint[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_values IS NULL THEN NULL ELSE
		ARRAY(SELECT v FROM unnest(p_values) WITH ORDINALITY AS u(v, o) WHERE NOT (o = ANY (p_drop)) ORDER BY o)
	END;
$$;
COMMENT ON FUNCTION mlops._compact(float8[], bigint[]) IS 'internal: an array without the elements at the given positions';

/* Which column each value of the scans is, for the detail of errors about values. */
CREATE FUNCTION mlops._argmap(p_target text, p_features text[], p_intercept boolean,
							  p_encoding jsonb DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('y is column "%s"; x[1], x[2], ... are, in order: %s.', p_target,
		array_to_string(CASE WHEN p_intercept THEN ARRAY['1 (the intercept)'] ELSE '{}' END
						|| ARRAY(SELECT CASE WHEN d.level IS NULL THEN format('column "%s"', p_features[d.source])
											 ELSE format('column "%s" = %L', p_features[d.source], d.level) END
								 FROM mlops._design(p_features, p_encoding) d ORDER BY d.ordinal),
						', '));
$$;
COMMENT ON FUNCTION mlops._argmap(text, text[], boolean, jsonb) IS
	'internal: the detail naming the columns behind y and x[k] in errors about values';

/* The name of a relation as PostgreSQL's own messages give it: unquoted, without its schema. */
CREATE FUNCTION mlops._relname(p_rel regclass) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.relname::text FROM pg_catalog.pg_class c WHERE c.oid = p_rel;
$$;
COMMENT ON FUNCTION mlops._relname(regclass) IS 'internal: the name of a relation for error messages';

/* Errors for a target or feature column that is missing or not numeric. */
CREATE FUNCTION mlops._check_numeric_column(p_rel regclass, p_column text, p_role text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p_rel) THEN
		RAISE EXCEPTION 'relation with OID % does not exist', p_rel::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	IF mlops._is_numeric_column(p_rel, p_column) IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', p_column, mlops._relname(p_rel)
			USING ERRCODE = 'undefined_column';
	END IF;
	IF NOT mlops._is_numeric_column(p_rel, p_column) THEN
		RAISE EXCEPTION '% column "%" of relation "%" is not numeric', p_role, p_column, mlops._relname(p_rel)
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = format('Its type is %s.',
								  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
								   WHERE a.attrelid = p_rel AND a.attname = p_column)),
				  HINT = 'Algorithm "linear" predicts a numeric target from numeric features.';
	END IF;
END;
$$;
COMMENT ON FUNCTION mlops._check_numeric_column(regclass, text, text) IS
	'internal: raises the error for a target or feature column that does not exist or is not numeric';

/*
 * Quantile bin edges of the drift baselines: for each expression (over the
 * rows that are not in the hold-out, $1 being the coefficients), the
 * percentile_disc at 1/bins .. (bins - 1)/bins, as a jsonb array of arrays,
 * from a sample of at most about 100,000 rows (the sorts spill past work_mem,
 * memory stays bounded).
 */
CREATE FUNCTION mlops._baseline_edges(p_rel regclass, p_split text, p_exprs text[], p_bins integer, p_coef float8[])
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_pct float8;
	v_edges jsonb;
BEGIN
	/* (only tables and materialized views can be sampled; other relations are read whole) */
	SELECT CASE WHEN c.relkind IN ('r', 'm') THEN least(100, 100 * 100000 / greatest(c.reltuples, 1)) END
	INTO v_pct
	FROM pg_catalog.pg_class c WHERE c.oid = p_rel;
	FOR i IN 1..2 LOOP
		EXECUTE format('SELECT %s FROM %s %s WHERE NOT (%s)',
					   (SELECT string_agg(format('jsonb_build_array(percentile_disc(%L::float8[]) WITHIN GROUP (ORDER BY %s))',
												 ARRAY(SELECT g::float8 / p_bins FROM generate_series(1, p_bins - 1) g), e),
										  ' || ' ORDER BY o)
						FROM unnest(p_exprs) WITH ORDINALITY AS u(e, o)),
					   p_rel,
					   /* below 10%: whole pages (SYSTEM) rather than reading every row (BERNOULLI) */
					   CASE WHEN i = 1 AND v_pct > 0 AND v_pct < 100
							THEN format('TABLESAMPLE %s (%s) REPEATABLE (0)',
										CASE WHEN v_pct < 10 THEN 'SYSTEM' ELSE 'BERNOULLI' END, v_pct)
							ELSE '' END,
					   p_split)
		INTO v_edges USING p_coef;
		/* a sample that missed every value of a column: take all rows */
		EXIT WHEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_edges) e WHERE e = 'null');
	END LOOP;
	RETURN v_edges;
END;
$$;
COMMENT ON FUNCTION mlops._baseline_edges(regclass, text, text[], integer, float8[]) IS
	'internal: the quantile bin edges of the drift baselines of a training, per expression, from a sample of the training rows';

CREATE FUNCTION mlops._train(text, regclass, text, text[], text, jsonb, float8, text)
RETURNS TABLE (model_id bigint, project text, version integer, algorithm text,
			   deployed boolean, metrics jsonb, statistics jsonb, deploy_reason text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
SET datestyle = 'ISO, YMD'
AS $train$
#variable_conflict use_column
DECLARE
	v_project text := $1;
	v_rel regclass := $2;
	v_target text := $3;
	v_features text[] := $4;
	v_algorithm text := $5;
	v_params jsonb := coalesce($6, '{}');
	v_fraction float8 := $7;
	v_deploy text := $8;
	v_intercept boolean;
	v_nulls text;
	v_key text;
	v_f text;
	v_ycol text;
	v_xcount integer;
	v_xargs text;
	v_argmap text;
	v_errmsg text;
	v_errstate text;
	v_errhint text;
	v_split text;
	v_sql text;
	v_state mlops.fitstate;
	v_res mlops.ols_result;
	v_names text[];
	v_metrics jsonb;
	v_skipped bigint;
	v_watermark text;
	v_dropped bigint[];
	v_folds integer;
	v_fold_states mlops.fitstate[];
	v_cv jsonb;
	v_dropped_features text[] := '{}';
	v_weights text;
	v_fitcall text;
	v_xarray text;
	v_moments float8[];
	v_extra jsonb := '{}';
	v_lambda float8;
	v_auto boolean := false;
	v_grid float8[];
	v_curve jsonb;
	v_l1_ratio float8;
	v_standardize boolean;
	v_max_iter integer;
	v_tol float8;
	v_enet record;
	v_robust text;
	v_cov float8[];
	v_se float8[];
	v_bins integer;
	v_exprs text[];
	v_edges jsonb;
	v_base float8[];
	v_allowed text[];
	v_kinds text[] := '{}';		/* per feature: numeric or categorical */
	v_encoding jsonb;			/* mlops._encode: NULL when every feature is numeric and none is imputed */
	v_base_xargs text;			/* the x arguments of the baselines: NULL values left NULL */
	v_dropsrc bigint[];
	r record;
BEGIN
	/* ---- arguments ---- */
	IF v_project IS NULL OR v_rel IS NULL OR v_target IS NULL THEN
		RAISE EXCEPTION 'project, relation and target must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF octet_length(v_project) NOT BETWEEN 1 AND 63 THEN
		RAISE EXCEPTION 'project name "%" must have 1 to 63 bytes', v_project
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_algorithm IS NULL OR v_algorithm NOT IN ('linear', 'ridge', 'lasso', 'elastic_net', 'logistic') THEN
		RAISE EXCEPTION 'unknown algorithm "%"', v_algorithm
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Algorithms are "linear", "ridge", "lasso", "elastic_net" and "logistic".';
	END IF;
	IF v_fraction IS NULL OR NOT (v_fraction >= 0 AND v_fraction < 1) THEN
		RAISE EXCEPTION 'test_fraction must be at least 0 and less than 1, not %', v_fraction
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_deploy IS NULL OR v_deploy NOT IN ('always', 'if_better', 'never') THEN
		RAISE EXCEPTION 'unknown deploy mode "%"', v_deploy
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "always", "if_better" or "never".';
	END IF;
	IF jsonb_typeof(v_params) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'params must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	/* the parameters of each algorithm: those of all, then its own */
	v_allowed := ARRAY['intercept', 'nulls', 'margin', 'incremental_column', 'folds', 'bins']
				 || CASE v_algorithm
						WHEN 'linear' THEN ARRAY['drop_collinear', 'weights', 'robust']
						WHEN 'ridge' THEN ARRAY['lambda', 'lambdas']
						WHEN 'lasso' THEN ARRAY['lambda', 'lambdas', 'standardize', 'max_iter', 'tol']
						WHEN 'elastic_net' THEN ARRAY['lambda', 'lambdas', 'l1_ratio', 'standardize', 'max_iter', 'tol']
						WHEN 'logistic' THEN ARRAY['lambda', 'max_iter', 'tol', 'threshold']
					END;
	FOR v_key IN SELECT jsonb_object_keys(v_params) LOOP
		IF NOT v_key = ANY (v_allowed) THEN
			RAISE EXCEPTION 'unknown parameter "%" for algorithm "%"', v_key, v_algorithm
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = format('Parameters of algorithm "%s" are %s.', v_algorithm,
									(SELECT string_agg(format('"%s"', a), ', ') FROM unnest(v_allowed) a));
		END IF;
	END LOOP;
	IF v_params ? 'folds' AND (jsonb_typeof(v_params -> 'folds') <> 'number'
							   OR (v_params ->> 'folds') !~ '^[0-9]+$'
							   OR (v_params ->> 'folds')::int NOT BETWEEN 2 AND 100) THEN
		RAISE EXCEPTION 'parameter "folds" must be a whole number from 2 to 100'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_algorithm IN ('ridge', 'lasso', 'elastic_net') THEN
		v_auto := coalesce((v_params -> 'lambda') = '"auto"', false);
		IF NOT v_auto AND (jsonb_typeof(v_params -> 'lambda') IS DISTINCT FROM 'number'
						   OR NOT ((v_params ->> 'lambda')::float8 >= 0)) THEN
			RAISE EXCEPTION 'algorithm "%" needs parameter "lambda", a number at least 0 or "auto"', v_algorithm
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = CASE v_algorithm
								   WHEN 'ridge' THEN 'The objective is (1/(2n)) ||y - b0 - X b||^2 + (lambda/2) ||b||^2.'
								   WHEN 'lasso' THEN 'The objective is (1/(2n)) ||y - b0 - X b||^2 + lambda ||b||_1.'
								   ELSE 'The objective is (1/(2n)) ||y - b0 - X b||^2 + lambda (l1_ratio ||b||_1 + (1 - l1_ratio)/2 ||b||^2).' END;
		END IF;
		IF v_params ? 'lambdas' AND NOT (
				v_auto AND jsonb_typeof(v_params -> 'lambdas') = 'array'
				AND jsonb_array_length(v_params -> 'lambdas') BETWEEN 2 AND 1000
				AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_params -> 'lambdas') e
								WHERE jsonb_typeof(e) <> 'number' OR NOT ((e #>> '{}')::float8 >= 0))) THEN
			RAISE EXCEPTION 'parameter "lambdas" must be an array of 2 to 1000 numbers at least 0, with "lambda": "auto"'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT v_auto THEN
			v_lambda := (v_params ->> 'lambda')::float8;
		END IF;
	END IF;
	IF v_algorithm IN ('lasso', 'elastic_net') THEN
		IF v_params ? 'l1_ratio' AND (jsonb_typeof(v_params -> 'l1_ratio') <> 'number'
									  OR NOT ((v_params ->> 'l1_ratio')::float8 > 0
											  AND (v_params ->> 'l1_ratio')::float8 <= 1)) THEN
			RAISE EXCEPTION 'parameter "l1_ratio" must be a number greater than 0 and at most 1'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'l1_ratio 1 is the lasso; l1_ratio 0 is ridge regression: use algorithm "ridge".';
		END IF;
		IF v_params ? 'standardize' AND jsonb_typeof(v_params -> 'standardize') <> 'boolean' THEN
			RAISE EXCEPTION 'parameter "standardize" must be true or false'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF v_params ? 'max_iter' AND (jsonb_typeof(v_params -> 'max_iter') <> 'number'
									  OR (v_params ->> 'max_iter') !~ '^[0-9]+$'
									  OR (v_params ->> 'max_iter')::numeric NOT BETWEEN 1 AND 1000000) THEN
			RAISE EXCEPTION 'parameter "max_iter" must be a whole number from 1 to 1000000'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'It bounds the sweeps of coordinate descent for each fit.';
		END IF;
		IF v_params ? 'tol' AND (jsonb_typeof(v_params -> 'tol') <> 'number'
								 OR NOT ((v_params ->> 'tol')::float8 > 0 AND (v_params ->> 'tol')::float8 < 1)) THEN
			RAISE EXCEPTION 'parameter "tol" must be a number greater than 0 and less than 1'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		/* defaults: those of mlops.elastic_net_fit, and scikit-learn's l1_ratio */
		v_l1_ratio := CASE WHEN v_algorithm = 'lasso' THEN 1 ELSE coalesce((v_params ->> 'l1_ratio')::float8, 0.5) END;
		v_standardize := coalesce((v_params ->> 'standardize')::boolean, false);
		v_max_iter := coalesce((v_params ->> 'max_iter')::integer, 10000);
		v_tol := coalesce((v_params ->> 'tol')::float8, 1e-4);
	END IF;
	IF v_params ? 'bins' AND (jsonb_typeof(v_params -> 'bins') <> 'number'
							  OR (v_params ->> 'bins') !~ '^[0-9]+$'
							  OR (v_params ->> 'bins')::int NOT BETWEEN 2 AND 100) THEN
		RAISE EXCEPTION 'parameter "bins" must be a whole number from 2 to 100'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'It is the number of quantile bins of the drift baselines (10: deciles).';
	END IF;
	v_bins := coalesce((v_params ->> 'bins')::int, 10);
	IF v_params ? 'robust' THEN
		IF jsonb_typeof(v_params -> 'robust') <> 'string' OR (v_params ->> 'robust') NOT IN ('HC0', 'HC1', 'HC2', 'HC3') THEN
			RAISE EXCEPTION 'parameter "robust" must be "HC0", "HC1", "HC2" or "HC3"'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_robust := v_params ->> 'robust';
	END IF;
	FOREACH v_f IN ARRAY ARRAY['intercept', 'drop_collinear'] LOOP
		IF v_params ? v_f AND jsonb_typeof(v_params -> v_f) <> 'boolean' THEN
			RAISE EXCEPTION 'parameter "%" must be true or false', v_f
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END LOOP;
	IF v_params ? 'margin' AND (jsonb_typeof(v_params -> 'margin') <> 'number'
								OR NOT ((v_params ->> 'margin')::float8 >= 0 AND (v_params ->> 'margin')::float8 < 1)) THEN
		RAISE EXCEPTION 'parameter "margin" must be a number at least 0 and less than 1'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'It is the share by which a retrained model must beat the deployed one.';
	END IF;
	IF v_params ? 'incremental_column' AND (jsonb_typeof(v_params -> 'incremental_column') <> 'string'
			OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
						   WHERE a.attrelid = v_rel AND a.attname = v_params ->> 'incremental_column'
							 AND a.attnum > 0 AND NOT a.attisdropped)) THEN
		RAISE EXCEPTION 'parameter "incremental_column" must name a column of relation "%"', mlops._relname(v_rel)
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'It names a column whose values only grow, such as a timestamp or a serial id.';
	END IF;
	IF v_params ? 'weights' THEN
		IF jsonb_typeof(v_params -> 'weights') <> 'string' THEN
			RAISE EXCEPTION 'parameter "weights" must name a numeric column of relation "%"', mlops._relname(v_rel)
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_weights := v_params ->> 'weights';
		PERFORM mlops._check_numeric_column(v_rel, v_weights, 'weights');
		IF v_params ? 'folds' THEN
			RAISE EXCEPTION 'cross-validation of a weighted fit is not supported'
				USING ERRCODE = 'feature_not_supported';
		END IF;
		IF v_params ? 'incremental_column' THEN
			RAISE EXCEPTION 'incremental refits of a weighted fit are not supported'
				USING ERRCODE = 'feature_not_supported';
		END IF;
	END IF;
	v_intercept := coalesce((v_params ->> 'intercept')::boolean, true);
	v_nulls := coalesce(v_params ->> 'nulls', 'skip');
	IF v_params ? 'nulls' AND jsonb_typeof(v_params -> 'nulls') <> 'string' THEN
		RAISE EXCEPTION 'parameter "nulls" must be "skip", "error" or "impute_mean", not %', v_params -> 'nulls'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_nulls NOT IN ('skip', 'error', 'impute_mean') THEN
		RAISE EXCEPTION 'parameter "nulls" must be "skip", "error" or "impute_mean", not "%"', v_nulls
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	v_params := v_params || jsonb_build_object('intercept', v_intercept, 'nulls', v_nulls);

	/* an existing project: the caller needs the train privilege, and ownership to deploy */
	IF mlops._require(v_project, 'train', current_user) IS NOT NULL AND v_deploy <> 'never' THEN
		PERFORM mlops._require_deploy(v_project);
	END IF;

	/* ---- columns, checked against the catalog ---- */
	IF v_algorithm = 'logistic' THEN
		PERFORM mlops._logistic_target_sql(v_rel, v_target);	/* boolean, or numeric 0/1 */
	ELSE
		PERFORM mlops._check_numeric_column(v_rel, v_target, 'target');
	END IF;

	IF v_features IS NULL THEN
		SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}')
		INTO v_features
		FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped
		  AND a.attname <> v_target AND mlops._is_numeric_column(v_rel, a.attname::text);
	END IF;
	IF cardinality(v_features) = 0 AND NOT v_intercept THEN
		RAISE EXCEPTION 'no features to train on'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name numeric feature columns, or train with an intercept.';
	END IF;
	IF cardinality(v_features) + v_intercept::int > 1000 THEN
		RAISE EXCEPTION 'too many features: %', cardinality(v_features)
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = 'A model has at most 1000 coefficients, the intercept included.';
	END IF;
	IF array_position(v_features, NULL) IS NOT NULL
	   OR (SELECT count(DISTINCT f) FROM unnest(v_features) f) <> cardinality(v_features) THEN
		RAISE EXCEPTION 'features must be distinct and not NULL'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_target = ANY (v_features) THEN
		RAISE EXCEPTION 'target column "%" cannot also be a feature', v_target
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOREACH v_f IN ARRAY v_features LOOP
		v_kinds := v_kinds || mlops._check_feature_column(v_rel, v_f);
	END LOOP;

	/*
	 * ---- the encoding: text, enum and boolean features become 0/1 design
	 * columns, one per level but the reference; with "nulls": "impute_mean"
	 * a NULL numeric feature is its training mean (mlops._encode)
	 */
	v_split := mlops._split_sql(v_rel, v_target, v_fraction);
	v_encoding := mlops._encode(v_rel, v_target, v_features, v_kinds, v_intercept, v_nulls, v_weights, v_split);
	IF v_encoding IS NOT NULL
	   AND (SELECT count(*) FROM mlops._design(v_features, v_encoding)) + v_intercept::int > 1000 THEN
		RAISE EXCEPTION 'too many coefficients: %', (SELECT count(*) FROM mlops._design(v_features, v_encoding)) + v_intercept::int
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = 'A model has at most 1000 coefficients, the intercept included; a categorical feature has one for each level but the reference.';
	END IF;

	/* logistic regression: a driver of its own (IRLS in memory or by passes) */
	IF v_algorithm = 'logistic' THEN
		RETURN QUERY SELECT * FROM mlops._train_logistic(v_project, v_rel, v_target, v_features, v_params,
														 v_fraction, v_deploy, v_encoding);
		RETURN;
	END IF;

	/*
	 * ---- the scan: one aggregate over the training split, parallel where
	 * the planner likes.  Up to 90 columns they are passed one by one (no
	 * array per row); beyond that, as arrays, since a function takes at most
	 * 100 arguments.
	 */
	v_ycol := format('%I::float8', v_target);
	v_xargs := mlops._xargs_sql(v_features, v_intercept, v_encoding);
	v_base_xargs := mlops._xargs_sql(v_features, v_intercept, v_encoding, false);
	v_names := CASE WHEN v_intercept THEN ARRAY['(intercept)'] ELSE '{}' END
			   || ARRAY(SELECT d.name FROM mlops._design(v_features, v_encoding) d ORDER BY d.ordinal);
	v_xcount := cardinality(v_names);
	v_argmap := mlops._argmap(v_target, v_features, v_intercept, v_encoding);
	/* x as one array expression, for the aggregates that take (y, x float8[], w) */
	v_xarray := CASE WHEN v_xcount <= 90 THEN 'ARRAY[' || substr(v_xargs, 3) || ']' ELSE substr(v_xargs, 3) END;
	/* the arguments of the fit: (y, x1, ..., xp), or (y, ARRAY[x1, ..., xp], w) */
	IF v_weights IS NOT NULL THEN
		v_fitcall := format('mlops.fit_state(%s, %s, %I::float8)', v_ycol, v_xarray, v_weights);
	ELSE
		v_fitcall := format('%s(%s%s)',
							CASE WHEN v_xcount <= 90 THEN 'mlops.fit_columns' ELSE 'mlops.fit_state' END,
							v_ycol, v_xargs);
	END IF;

	BEGIN
		IF v_params ? 'folds' OR v_auto THEN
			/* one state per fold of the training split, in the same scan; the fit is their merge */
			v_folds := coalesce((v_params ->> 'folds')::int, 5);
			v_sql := format('SELECT array_agg(s ORDER BY fold) FROM ('
							'SELECT least(%s, floor((%s - %L::float8) / (1 - %L::float8) * %s))::int AS fold, '
							'%s AS s FROM %s WHERE NOT (%s) GROUP BY 1) g',
							v_folds - 1, mlops._hash_sql(v_rel, v_target), v_fraction, v_fraction, v_folds,
							v_fitcall, v_rel, v_split);
			EXECUTE v_sql INTO v_fold_states;
			SELECT mlops.fit_merge(f) INTO v_state FROM unnest(v_fold_states) f;
		ELSE
			v_sql := format('SELECT %s FROM %s WHERE NOT (%s)', v_fitcall, v_rel, v_split);
			EXECUTE v_sql INTO v_state;
		END IF;

		IF v_state IS NULL THEN
			RAISE EXCEPTION 'relation "%" has no rows to train on', mlops._relname(v_rel)
				USING ERRCODE = 'data_exception',
					  HINT = CASE WHEN v_fraction > 0 THEN 'Add rows, or lower test_fraction.' ELSE 'Add rows.' END;
		END IF;
		IF v_nulls = 'error' AND (mlops.fitstate_counts(v_state)).n_skipped > 0 THEN
			RAISE EXCEPTION 'relation "%" has rows with NULL in the target or a feature', mlops._relname(v_rel)
				USING ERRCODE = 'null_value_not_allowed',
					  HINT = 'Use params => ''{"nulls": "skip"}'' to skip such rows.';
		END IF;
		IF v_algorithm = 'ridge' THEN
			IF v_auto THEN
				/*
				 * lambda by cross-validation: for every lambda of the grid, each
				 * fold's error under the ridge fit of the other folds, all from
				 * the fold states; the lowest mean RMSE wins (ties: the larger lambda)
				 */
				IF cardinality(v_fold_states) < 2 THEN
					RAISE EXCEPTION 'cross-validation needs at least 2 non-empty folds, not %', cardinality(v_fold_states)
						USING ERRCODE = 'data_exception';
				END IF;
				v_grid := CASE WHEN v_params ? 'lambdas'
							   THEN ARRAY(SELECT (e #>> '{}')::float8 FROM jsonb_array_elements(v_params -> 'lambdas') e)
							   ELSE mlops.ridge_lambda_grid(v_state, 25) END;
				WITH o AS (
					SELECT i, (SELECT mlops.fit_merge(f) FROM unnest(v_fold_states) WITH ORDINALITY AS u(f, j)
							   WHERE j <> i) AS s
					FROM generate_series(1, cardinality(v_fold_states)) i),
				c AS (
					SELECT g.lam, avg(sqrt(e.v[2] / e.v[1])) AS rmse_mean, stddev_samp(sqrt(e.v[2] / e.v[1])) AS rmse_sd
					FROM unnest(v_grid) AS g(lam), o,
						 LATERAL (SELECT mlops.fitstate_error(v_fold_states[o.i], mlops.ridge_coef(o.s, g.lam)) AS v) e
					GROUP BY g.lam)
				SELECT (SELECT c.lam FROM c ORDER BY c.rmse_mean, c.lam DESC LIMIT 1),
					   jsonb_agg(jsonb_build_object('lambda', c.lam, 'rmse_mean', c.rmse_mean, 'rmse_sd', c.rmse_sd)
								 ORDER BY c.lam)
				INTO v_lambda, v_curve FROM c;
				v_extra := v_extra || jsonb_build_object('lambda', v_lambda, 'lambda_curve', v_curve);
			END IF;
			/* from the state: the counts of ols_result, the coefficients of ridge */
			SELECT c.n_rows, c.n_skipped INTO v_res.n_rows, v_res.n_skipped FROM mlops.fitstate_counts(v_state) c;
			v_res.coef := mlops.ridge_coef(v_state, v_lambda);
		ELSIF v_algorithm IN ('lasso', 'elastic_net') THEN
			IF v_auto THEN
				/*
				 * lambda by cross-validation, as for ridge: each fold is scored
				 * along the path of the merge of the other folds (one call per
				 * fold, warm-started from the largest lambda down)
				 */
				IF cardinality(v_fold_states) < 2 THEN
					RAISE EXCEPTION 'cross-validation needs at least 2 non-empty folds, not %', cardinality(v_fold_states)
						USING ERRCODE = 'data_exception';
				END IF;
				v_grid := CASE WHEN v_params ? 'lambdas'
							   THEN ARRAY(SELECT DISTINCT (e #>> '{}')::float8
										  FROM jsonb_array_elements(v_params -> 'lambdas') e ORDER BY 1 DESC)
							   ELSE mlops.elastic_net_lambda_grid(v_state, v_l1_ratio, v_standardize, 100) END;
				WITH o AS MATERIALIZED (
					SELECT i, mlops.elastic_net_path(
								  (SELECT mlops.fit_merge(f) FROM unnest(v_fold_states) WITH ORDINALITY AS u(f, j)
								   WHERE j <> i),
								  v_grid, v_l1_ratio, v_standardize, v_max_iter, v_tol) AS path
					FROM generate_series(1, cardinality(v_fold_states)) i),
				e AS (
					SELECT g.k, sqrt(x.v[2] / x.v[1]) AS rmse
					FROM o, generate_subscripts(v_grid, 1) AS g(k),
						 LATERAL (SELECT mlops.fitstate_error(v_fold_states[o.i],
															  ARRAY(SELECT unnest(o.path[g.k:g.k][:]))) AS v) x),
				c AS (
					SELECT v_grid[e.k] AS lam, avg(e.rmse) AS rmse_mean, stddev_samp(e.rmse) AS rmse_sd
					FROM e GROUP BY e.k)
				SELECT (SELECT c.lam FROM c ORDER BY c.rmse_mean, c.lam DESC LIMIT 1),
					   jsonb_agg(jsonb_build_object('lambda', c.lam, 'rmse_mean', c.rmse_mean, 'rmse_sd', c.rmse_sd)
								 ORDER BY c.lam)
				INTO v_lambda, v_curve FROM c;
				v_extra := v_extra || jsonb_build_object('lambda_curve', v_curve);
			END IF;
			/* from the state: the counts, the coefficients by coordinate descent */
			SELECT c.n_rows, c.n_skipped INTO v_res.n_rows, v_res.n_skipped FROM mlops.fitstate_counts(v_state) c;
			SELECT * INTO v_enet
			FROM mlops.elastic_net_fit(v_state, v_lambda, v_l1_ratio, v_standardize, v_max_iter, v_tol);
			v_res.coef := v_enet.coef;
			v_extra := v_extra || jsonb_build_object('lambda', v_lambda, 'l1_ratio', v_l1_ratio,
													 'standardize', v_standardize, 'iterations', v_enet.iterations,
													 'converged', v_enet.converged);
		ELSIF coalesce((v_params ->> 'drop_collinear')::boolean, false) THEN
			/* collinear features (NULL coefficients) leave the model; the rest is the fit without them */
			v_res := mlops.ols_result(v_state);
			SELECT coalesce(array_agg(o ORDER BY o), '{}') INTO v_dropped
			FROM unnest(v_res.coef) WITH ORDINALITY AS u(c, o) WHERE c IS NULL;
			IF cardinality(v_dropped) > 0 THEN
				IF v_intercept AND 1 = ANY (v_dropped) THEN
					RAISE EXCEPTION 'could not fit model: the intercept is collinear'
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				/* the features behind the dropped design columns: whole numeric features only */
				SELECT d.name INTO v_f FROM mlops._design(v_features, v_encoding) d
				WHERE d.ordinal + v_intercept::int = ANY (v_dropped) AND d.level IS NOT NULL
				ORDER BY d.ordinal LIMIT 1;
				IF FOUND THEN
					RAISE EXCEPTION 'cannot drop collinear column "%": it is a level of a categorical feature', v_f
						USING ERRCODE = 'feature_not_supported',
							  HINT = 'Leave that feature out, or merge the level with another one.';
				END IF;
				v_dropsrc := ARRAY(SELECT d.source FROM mlops._design(v_features, v_encoding) d
								   WHERE d.ordinal + v_intercept::int = ANY (v_dropped) ORDER BY d.ordinal);
				v_encoding := (SELECT jsonb_agg(e ORDER BY o) FROM jsonb_array_elements(v_encoding) WITH ORDINALITY AS u(e, o)
							   WHERE NOT o = ANY (v_dropsrc));
				v_dropped_features := ARRAY(SELECT f FROM unnest(v_features) WITH ORDINALITY AS u(f, o)
											WHERE o = ANY (v_dropsrc) ORDER BY o);
				v_features := ARRAY(SELECT f FROM unnest(v_features) WITH ORDINALITY AS u(f, o)
									WHERE NOT o = ANY (v_dropsrc) ORDER BY o);
				v_res.coef := ARRAY(SELECT c FROM unnest(v_res.coef) c WHERE c IS NOT NULL);
				v_res.std_err := mlops._compact(v_res.std_err, v_dropped);
				v_res.t_stats := mlops._compact(v_res.t_stats, v_dropped);
				v_res.p_values := mlops._compact(v_res.p_values, v_dropped);
				v_res.vcov := NULL;
				v_state := NULL;	/* its columns are no longer the model's */
				v_xargs := mlops._xargs_sql(v_features, v_intercept, v_encoding);
				v_base_xargs := mlops._xargs_sql(v_features, v_intercept, v_encoding, false);
				v_argmap := mlops._argmap(v_target, v_features, v_intercept, v_encoding);
			END IF;
		ELSE
			v_res := mlops.ols_result(v_state, v_names);
			/*
			 * An ill-conditioned fit takes one refinement step from an extra
			 * scan: residuals and X'W r in double-double at the coefficients.
			 */
			IF mlops.refinement_wanted(v_state) THEN
				v_sql := format('SELECT mlops.residual_moments($1, %s, %s, %s) FROM %s WHERE NOT (%s)',
								v_ycol, v_xarray,
								coalesce(quote_ident(v_weights) || '::float8', '1::float8'),
								v_rel, v_split);
				EXECUTE v_sql INTO v_moments USING v_res.coef;
				v_res := mlops.ols_result(v_state, v_names, v_res.coef, v_moments);
				v_extra := v_extra || '{"refined": true}';
			END IF;
		END IF;

		/* heteroskedasticity-consistent standard errors: one more scan, over the residuals */
		IF v_robust IS NOT NULL AND v_state IS NOT NULL THEN
			v_sql := format('SELECT mlops.robust_cov($1, $2, %s, %s%s) FROM %s WHERE NOT (%s)',
							v_ycol,
							CASE WHEN v_weights IS NULL THEN substr(v_xargs, 3) ELSE v_xarray END,
							CASE WHEN v_weights IS NOT NULL THEN ', ' || quote_ident(v_weights) || '::float8'
								 ELSE '' END,
							v_rel, v_split);
			EXECUTE v_sql INTO v_cov USING v_state, v_res.coef;
			v_se := ARRAY(SELECT sqrt(v_cov[substr(v_robust, 3)::int + 1][j][j])
						  FROM generate_series(1, cardinality(v_res.coef)) j ORDER BY j);
			v_extra := v_extra || jsonb_build_object('robust', jsonb_build_object(
				'type', v_robust,
				'std_err', to_jsonb(v_se),
				't_stats', to_jsonb(ARRAY(SELECT v_res.coef[j] / v_se[j] FROM generate_series(1, cardinality(v_se)) j ORDER BY j)),
				'p_values', to_jsonb(ARRAY(SELECT mlops.student_t_p(v_res.coef[j] / v_se[j], v_res.df_residual)
										   FROM generate_series(1, cardinality(v_se)) j ORDER BY j))));
		ELSIF v_robust IS NOT NULL THEN
			RAISE EXCEPTION 'robust standard errors of a fit without its collinear features are not supported'
				USING ERRCODE = 'feature_not_supported',
					  HINT = 'Remove the collinear features, then train with "robust".';
		END IF;

		/*
		 * ---- drift baselines, part 1: quantile bin edges of the prediction
		 * (ordinal 0) and of every feature, from a sample of at most about
		 * 100,000 training rows (the sorts spill past work_mem, memory stays bounded)
		 */
		v_exprs := ARRAY[CASE WHEN v_intercept THEN '$1[1]' ELSE '0::float8' END
						 || coalesce((SELECT string_agg(format(' + $1[%s] * %s', d.ordinal + v_intercept::int, d.expr), '' ORDER BY d.ordinal)
									  FROM mlops._design(v_features, v_encoding, false) d), '')]
				   || ARRAY(SELECT CASE WHEN d.level IS NULL THEN d.expr ELSE '0.5::float8' END
							FROM mlops._design(v_features, v_encoding, false) d ORDER BY d.ordinal);
		v_edges := mlops._baseline_edges(v_rel, v_split, v_exprs, v_bins, v_res.coef);

		/*
		 * ---- metrics on each split (a second scan: MAE needs the coefficients),
		 * and part 2 of the baselines: counts per bin and moments of every column
		 */
		v_sql := format(
			'SELECT jsonb_object_agg(CASE WHEN is_test THEN ''test'' ELSE ''train'' END, '
			'  jsonb_build_object(''n'', s[1], ''rmse'', s[2], ''mae'', s[3], ''r2'', s[4])) '
			'  FILTER (WHERE s[1] > 0), '
			'  sum(s[5])::bigint, max(wm), max(b) FILTER (WHERE NOT is_test) '
			'FROM (SELECT %s AS is_test, mlops.error_stats($1, %s%s) AS s, %s AS wm, %s AS b FROM %s GROUP BY 1) g',
			v_split, v_ycol, v_xargs,
			CASE WHEN v_params ? 'incremental_column'
				 THEN format('max(%I)', v_params ->> 'incremental_column') ELSE 'NULL::text' END,
			format('mlops.baseline_stats(%L::float8[], $1, %L%s)',
				   (SELECT '{' || string_agg(translate(e::text, '[]', '{}'), ',' ORDER BY o) || '}'
					FROM jsonb_array_elements(v_edges) WITH ORDINALITY AS u(e, o)),
				   v_intercept, v_base_xargs),
			v_rel);
		EXECUTE v_sql INTO v_metrics, v_skipped, v_watermark, v_base USING v_res.coef;

		/* k-fold cross-validation from the fold states: each fold against the merge of the others */
		IF v_folds IS NOT NULL THEN
			IF cardinality(v_fold_states) < 2 THEN
				RAISE EXCEPTION 'cross-validation needs at least 2 non-empty folds, not %', cardinality(v_fold_states)
					USING ERRCODE = 'data_exception';
			END IF;
			SELECT jsonb_build_object('folds', count(*), 'rmse_mean', avg(rmse), 'rmse_sd', stddev_samp(rmse),
									  'r2_mean', avg(r2), 'r2_sd', stddev_samp(r2))
			INTO v_cv
			FROM (SELECT sqrt(e[2] / e[1]) AS rmse,
						 CASE WHEN v_intercept THEN 1 - e[2] / nullif(e[3], 0) END AS r2
				  FROM (SELECT mlops.fitstate_error(v_fold_states[i],
							CASE WHEN v_algorithm = 'ridge'
								 THEN mlops.ridge_coef(o.s, v_lambda)
								 WHEN v_algorithm IN ('lasso', 'elastic_net')
								 THEN mlops.elastic_net_coef(o.s, v_lambda, v_l1_ratio, v_standardize, v_max_iter, v_tol)
								 ELSE (mlops.ols_result(o.s, v_names)).coef END) AS e
						FROM generate_series(1, cardinality(v_fold_states)) i,
							 LATERAL (SELECT mlops.fit_merge(f) AS s
									  FROM unnest(v_fold_states) WITH ORDINALITY AS u(f, j) WHERE j <> i) o) x) y;
			v_metrics := v_metrics || jsonb_build_object('cv', jsonb_strip_nulls(v_cv));
		END IF;
	EXCEPTION WHEN data_exception THEN
		GET STACKED DIAGNOSTICS v_errmsg = MESSAGE_TEXT, v_errstate = RETURNED_SQLSTATE,
								v_errhint = PG_EXCEPTION_HINT;
		IF v_errmsg LIKE 'cannot % value in %' THEN
			RAISE EXCEPTION USING ERRCODE = v_errstate, MESSAGE = v_errmsg, DETAIL = v_argmap,
								  HINT = v_errhint;
		END IF;
		RAISE;
	END;
	IF v_nulls = 'error' AND v_skipped > 0 THEN
		RAISE EXCEPTION 'relation "%" has % rows with NULL in the target or a feature', mlops._relname(v_rel), v_skipped
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Use params => ''{"nulls": "skip"}'' to skip such rows.';
	END IF;

	/* ---- registry and deployment ---- */
	IF cardinality(v_dropped_features) > 0 THEN
		RAISE NOTICE 'dropped collinear features: %', array_to_string(v_dropped_features, ', ');
	END IF;
	SELECT * INTO r FROM mlops._record_model(v_project, v_rel, v_target, v_features, v_algorithm, v_params,
											 v_fraction, v_intercept, v_res, v_state, v_metrics,
											 v_watermark, v_deploy, v_extra, v_encoding);
	PERFORM mlops._store_baselines(r.model_id, v_rel, v_split, v_features, v_encoding, v_base, v_edges, v_bins);
	RETURN QUERY SELECT r.model_id, v_project, r.version, v_algorithm, r.deployed, v_metrics,
						(to_jsonb(v_res) - 'vcov') || v_extra, r.reason;
END;
$train$;
COMMENT ON FUNCTION mlops._train(text, regclass, text, text[], text, jsonb, float8, text) IS
	'internal: the body of mlops.train';

CREATE FUNCTION mlops.train(
	project text,
	relation regclass,
	target text,
	features text[] DEFAULT NULL,
	algorithm text DEFAULT 'linear',
	params jsonb DEFAULT '{}',
	test_fraction float8 DEFAULT 0.2,
	deploy text DEFAULT 'if_better')
RETURNS TABLE (model_id bigint, project text, version integer, algorithm text,
			   deployed boolean, metrics jsonb, statistics jsonb, deploy_reason text)
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM mlops._train($1, $2, $3, $4, $5, $6, $7, $8);
$$;
COMMENT ON FUNCTION mlops.train(text, regclass, text, text[], text, jsonb, float8, text) IS
	'trains a new version of a project on a relation, evaluates it on a deterministic hold-out, records it and deploys it as asked';

/* ========================================================================
 * Logistic regression (algorithm => 'logistic'): IRLS in memory or by
 * passes over the data (src/logistic.c), train's driver for it, its
 * evaluation and the probability it predicts.
 * (everything from here to the end of this block belongs to it)
 * ======================================================================== */

CREATE TYPE mlops.logistic_result AS (
	coef float8[],
	std_err float8[],
	z_stats float8[],
	p_values float8[],
	log_likelihood float8,
	deviance float8,
	null_deviance float8,
	aic float8,
	bic float8,
	objective float8,
	n_rows bigint,
	n_positive bigint,
	n_skipped bigint,
	n_skipped_test bigint,
	df_residual bigint,
	iterations integer,
	converged boolean,
	separation text,
	in_memory boolean,
	done boolean,
	next_coef float8[],
	train_metrics float8[],
	test_metrics float8[]
);
COMMENT ON TYPE mlops.logistic_result IS
	'a logistic fit (mlops.logistic_step): coefficients and their statistics at coef, how the iterations went, the next coefficients when not done, and the metrics {n, accuracy, precision, recall, f1, roc_auc, log_loss} of the training and test rows';

CREATE FUNCTION mlops.logistic_step_accum(internal, float8[], float8[], float8, boolean, VARIADIC "any")
	RETURNS internal
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_accum(internal, float8[], float8[], float8, boolean, VARIADIC "any") IS
	'transition function of mlops.logistic_step(coef, options, y, is_test, x1, ..., xp)';
CREATE FUNCTION mlops.logistic_step_accum(internal, float8[], float8[], float8, boolean, float8[])
	RETURNS internal
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_accum_array'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_accum(internal, float8[], float8[], float8, boolean, float8[]) IS
	'transition function of mlops.logistic_step(coef, options, y, is_test, x)';
CREATE FUNCTION mlops.logistic_step_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_combine(internal, internal) IS
	'combine function of mlops.logistic_step';
CREATE FUNCTION mlops.logistic_step_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_serialize(internal) IS
	'serialize function of mlops.logistic_step';
CREATE FUNCTION mlops.logistic_step_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_deserialize(bytea, internal) IS
	'deserialize function of mlops.logistic_step';
CREATE FUNCTION mlops.logistic_step_final(internal) RETURNS mlops.logistic_result
	AS 'MODULE_PATHNAME', 'mlops_logistic_step_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_step_final(internal) IS
	'final function of mlops.logistic_step';

CREATE AGGREGATE mlops.logistic_step(coef float8[], options float8[], y float8, is_test boolean, VARIADIC "any") (
	SFUNC = mlops.logistic_step_accum,
	STYPE = internal,
	FINALFUNC = mlops.logistic_step_final,
	COMBINEFUNC = mlops.logistic_step_combine,
	SERIALFUNC = mlops.logistic_step_serialize,
	DESERIALFUNC = mlops.logistic_step_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.logistic_step(float8[], float8[], float8, boolean, VARIADIC "any") IS
	'IRLS for logistic regression of y (0 or 1) on float8 arguments x1, ..., xp, the rows with is_test measured only: with the rows in memory (mlops.logistic_memory) every step from coef to the end, else one step at coef per scan; options = {lambda, max_iter, tol, threshold, intercept, keep, iteration, previous, fit} (see the reference)';
CREATE AGGREGATE mlops.logistic_step(coef float8[], options float8[], y float8, is_test boolean, x float8[]) (
	SFUNC = mlops.logistic_step_accum,
	STYPE = internal,
	FINALFUNC = mlops.logistic_step_final,
	COMBINEFUNC = mlops.logistic_step_combine,
	SERIALFUNC = mlops.logistic_step_serialize,
	DESERIALFUNC = mlops.logistic_step_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.logistic_step(float8[], float8[], float8, boolean, float8[]) IS
	'mlops.logistic_step for x given as an array';

CREATE FUNCTION mlops.logistic_proba(coef float8[], VARIADIC "any") RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_logistic_proba'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_proba(float8[], VARIADIC "any") IS
	'P(y = 1) = 1 / (1 + exp(-sum(coef[j] * x[j]))) for float8 arguments x1, ..., xp; NULL when the log-odds is not finite';
CREATE FUNCTION mlops.logistic_proba(coef float8[], x float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_logistic_proba_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.logistic_proba(float8[], float8[]) IS
	'mlops.logistic_proba for x given as an array; NULL when x has a NULL';

CREATE FUNCTION mlops.predict_proba(project text, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_proba'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict_proba(text, float8[]) IS
	'P(y = 1) of the deployed logistic model of a project for one row of features, in the order of the model''s features';
CREATE FUNCTION mlops.predict_proba(project text, "row" record) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_proba_record'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict_proba(text, record) IS
	'P(y = 1) of the deployed logistic model of a project for a row whose columns are named like the model''s features';
CREATE FUNCTION mlops.predict_proba(model_id bigint, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_proba_model'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict_proba(bigint, float8[]) IS
	'P(y = 1) of one exact logistic model version for one row of features';

/* The target of a logistic model as a float8 expression (0 or 1), with the errors for an unusable one. */
CREATE FUNCTION mlops._logistic_target_sql(p_rel regclass, p_target text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p_rel) THEN
		RAISE EXCEPTION 'relation with OID % does not exist', p_rel::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	IF mlops._is_numeric_column(p_rel, p_target) IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', p_target, mlops._relname(p_rel)
			USING ERRCODE = 'undefined_column';
	END IF;
	IF mlops._is_boolean_column(p_rel, p_target) THEN
		RETURN format('%I::integer::float8', p_target);
	END IF;
	IF mlops._is_numeric_column(p_rel, p_target) THEN
		RETURN format('%I::float8', p_target);
	END IF;
	RAISE EXCEPTION 'target column "%" of relation "%" is not boolean or numeric', p_target, mlops._relname(p_rel)
		USING ERRCODE = 'datatype_mismatch',
			  DETAIL = format('Its type is %s.',
							  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
							   WHERE a.attrelid = p_rel AND a.attname = p_target)),
			  HINT = 'Algorithm "logistic" predicts a boolean target, or a numeric one holding only 0 and 1.';
END;
$$;
COMMENT ON FUNCTION mlops._logistic_target_sql(regclass, text) IS
	'internal: the target of a logistic model as SQL for a float8 0 or 1 (a boolean column as 0 or 1); errors when the column is missing or neither boolean nor numeric';

/* The metrics of one split as JSON from the array of mlops.logistic_result (and the AUC when measured apart). */
CREATE FUNCTION mlops._logistic_metrics_json(p_m float8[], p_auc float8 DEFAULT NULL) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN p_m IS NOT NULL THEN
		jsonb_build_object('n', p_m[1], 'accuracy', p_m[2], 'precision', p_m[3], 'recall', p_m[4],
						   'f1', p_m[5], 'roc_auc', coalesce(p_m[6], p_auc), 'log_loss', p_m[7]) END;
$$;
COMMENT ON FUNCTION mlops._logistic_metrics_json(float8[], float8) IS
	'internal: {n, accuracy, precision, recall, f1, roc_auc, log_loss} of a split as JSON';

/*
 * The area under the ROC curve of coefficients p_coef on the rows of a
 * relation, {training rows, test rows} (p_split true for a test row), by
 * ranks: rows grouped by probability, each positive counts the negatives
 * below its probability and half those equal to it.  The in-memory fit
 * gives it itself; this is the way when the rows did not fit.
 */
CREATE FUNCTION mlops._logistic_auc(p_rel regclass, p_coef float8[], p_ycol text, p_xargs text, p_split text)
RETURNS float8[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_auc float8[];
BEGIN
	EXECUTE format(
		'SELECT ARRAY[max(a) FILTER (WHERE NOT t), max(a) FILTER (WHERE t)] '
		'FROM (SELECT t, (sum(n1 * (coalesce(below, 0) + 0.5 * n0)) / nullif(sum(n1) * sum(n0), 0))::float8 AS a '
		'      FROM (SELECT t, n0, n1, sum(n0) OVER (PARTITION BY t ORDER BY pr '
		'                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS below '
		'            FROM (SELECT (%s) AS t, mlops.logistic_proba($1%s) AS pr, '
		'                         count(*) FILTER (WHERE %s = 0) AS n0, count(*) FILTER (WHERE %s = 1) AS n1 '
		'                  FROM %s WHERE %s IS NOT NULL GROUP BY 1, 2) g '
		'            WHERE pr IS NOT NULL) w '
		'      GROUP BY t) s',
		p_split, p_xargs, p_ycol, p_ycol, p_rel, p_ycol)
	INTO v_auc USING p_coef;
	RETURN v_auc;
END;
$$;
COMMENT ON FUNCTION mlops._logistic_auc(regclass, float8[], text, text, text) IS
	'internal: area under the ROC curve {training rows, test rows} of logistic coefficients on a relation, by ranks (ties count one half)';

/*
 * The options array of mlops.logistic_step: lambda, max_iter, tol,
 * threshold, intercept, keep, iteration, previous, fit.
 */
CREATE FUNCTION mlops._logistic_options(p_params jsonb, p_keep boolean, p_fit boolean) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ARRAY[coalesce((p_params ->> 'lambda')::float8, 0), coalesce((p_params ->> 'max_iter')::float8, 25),
				 coalesce((p_params ->> 'tol')::float8, 1e-10), coalesce((p_params ->> 'threshold')::float8, 0.5),
				 coalesce((p_params ->> 'intercept')::boolean, true)::integer, p_keep::integer, 0, 'NaN',
				 p_fit::integer]::float8[];
$$;
COMMENT ON FUNCTION mlops._logistic_options(jsonb, boolean, boolean) IS
	'internal: the options array of mlops.logistic_step from a logistic model''s params';

/*
 * The body of mlops.train for algorithm "logistic", called by mlops._train
 * after the checks common to every algorithm, with the features resolved
 * and encoded.
 */
CREATE FUNCTION mlops._train_logistic(p_project text, p_rel regclass, p_target text, p_features text[],
									  p_params jsonb, p_fraction float8, p_deploy text, p_encoding jsonb)
RETURNS TABLE (model_id bigint, project text, version integer, algorithm text,
			   deployed boolean, metrics jsonb, statistics jsonb, deploy_reason text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
SET datestyle = 'ISO, YMD'
AS $$
#variable_conflict use_column
DECLARE
	v_params jsonb := p_params;
	v_intercept boolean := (p_params ->> 'intercept')::boolean;
	v_nulls text := p_params ->> 'nulls';
	v_bins integer := coalesce((p_params ->> 'bins')::int, 10);
	v_key text;
	v_ycol text;
	v_split text;
	v_xargs text;
	v_base_xargs text;
	v_xcount integer;
	v_argmap text;
	v_sql text;
	v_options float8[];
	v_res mlops.logistic_result;
	v_passes integer := 1;
	v_auc float8[];
	v_metrics jsonb;
	v_ols mlops.ols_result;
	v_extra jsonb;
	v_prob text;
	v_exprs text[];
	v_edges jsonb;
	v_base float8[];
	v_pstats float8[];
	v_pcounts bigint[];
	v_errmsg text;
	v_errstate text;
	v_errdetail text;
	v_errhint text;
	r record;
BEGIN
	/* ---- parameters: those of all algorithms were checked by mlops._train ---- */
	IF p_params ? 'folds' THEN
		RAISE EXCEPTION 'cross-validation of algorithm "logistic" is not supported'
			USING ERRCODE = 'feature_not_supported',
				  HINT = 'Leave out "folds"; the model is measured on the hold-out split (test_fraction).';
	END IF;
	IF p_params ? 'incremental_column' THEN
		RAISE EXCEPTION 'incremental refits of algorithm "logistic" are not supported'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Every iteration of a logistic fit reads every row, so mlops.retrain refits it on all rows.',
				  HINT = 'Leave out "incremental_column".';
	END IF;
	IF p_params ? 'lambda' AND (jsonb_typeof(p_params -> 'lambda') <> 'number'
								OR NOT ((p_params ->> 'lambda')::float8 >= 0)
								OR (p_params ->> 'lambda')::float8 = 'Infinity') THEN
		RAISE EXCEPTION 'parameter "lambda" of algorithm "logistic" must be a number at least 0'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The objective is (1/n) sum(log(1 + exp(x b)) - y x b) + (lambda/2) ||b||^2, the intercept unpenalised.';
	END IF;
	IF p_params ? 'max_iter' AND (jsonb_typeof(p_params -> 'max_iter') <> 'number'
								  OR (p_params ->> 'max_iter') !~ '^[0-9]+$'
								  OR (p_params ->> 'max_iter')::numeric NOT BETWEEN 1 AND 10000) THEN
		RAISE EXCEPTION 'parameter "max_iter" must be a whole number from 1 to 10000'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF p_params ? 'tol' AND (jsonb_typeof(p_params -> 'tol') <> 'number'
							 OR NOT ((p_params ->> 'tol')::float8 > 0 AND (p_params ->> 'tol')::float8 < 1)) THEN
		RAISE EXCEPTION 'parameter "tol" must be a number greater than 0 and less than 1'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The iterations end when |D - D_previous| / (|D| + 0.1) < tol, D the deviance (plus n lambda ||b||^2).';
	END IF;
	IF p_params ? 'threshold' AND (jsonb_typeof(p_params -> 'threshold') <> 'number'
								   OR NOT ((p_params ->> 'threshold')::float8 > 0
										   AND (p_params ->> 'threshold')::float8 < 1)) THEN
		RAISE EXCEPTION 'parameter "threshold" must be a number greater than 0 and less than 1'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'mlops.predict gives class 1 when the probability is above it.';
	END IF;
	v_params := v_params || jsonb_build_object('lambda', coalesce((p_params ->> 'lambda')::float8, 0),
											   'max_iter', coalesce((p_params ->> 'max_iter')::int, 25),
											   'tol', coalesce((p_params ->> 'tol')::float8, 1e-10),
											   'threshold', coalesce((p_params ->> 'threshold')::float8, 0.5));

	/* ---- SQL of the scans ---- */
	v_ycol := mlops._logistic_target_sql(p_rel, p_target);
	v_split := mlops._split_sql(p_rel, p_target, p_fraction);
	v_xargs := mlops._xargs_sql(p_features, v_intercept, p_encoding);
	v_base_xargs := mlops._xargs_sql(p_features, v_intercept, p_encoding, false);
	v_xcount := v_intercept::int + (SELECT count(*) FROM mlops._design(p_features, p_encoding));
	v_argmap := mlops._argmap(p_target, p_features, v_intercept, p_encoding);

	/*
	 * ---- the fit: one scan with the rows kept in memory runs every
	 * iteration; when they do not fit in mlops.logistic_memory, each further
	 * iteration is one more scan, until the fit says it is done
	 */
	v_options := mlops._logistic_options(v_params, true, true);
	v_sql := format('SELECT (s.r).* FROM (SELECT mlops.logistic_step($1, $2, %s, %s%s) AS r FROM %s) s',
					v_ycol, v_split, v_xargs, p_rel);
	BEGIN
		EXECUTE v_sql INTO v_res USING array_fill(0::float8, ARRAY[v_xcount]), v_options;
		WHILE v_res.done IS FALSE LOOP
			/* the next step; the coefficients of this one go along for the separation check */
			v_passes := v_passes + 1;
			v_options := v_options[1:9] || v_res.coef;
			v_options[6] := 0;
			v_options[7] := v_res.iterations + 1;
			v_options[8] := v_res.objective;
			EXECUTE v_sql INTO v_res USING v_res.next_coef, v_options;
		END LOOP;
	EXCEPTION WHEN data_exception OR invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_errmsg = MESSAGE_TEXT, v_errstate = RETURNED_SQLSTATE,
								v_errdetail = PG_EXCEPTION_DETAIL, v_errhint = PG_EXCEPTION_HINT;
		IF v_errmsg LIKE 'cannot % value in %' OR v_errmsg LIKE 'logistic regression needs a target of 0 or 1%'
		   OR v_errmsg LIKE 'could not fit logistic model%' THEN
			RAISE EXCEPTION USING ERRCODE = v_errstate, MESSAGE = v_errmsg,
								  DETAIL = concat_ws(' ', nullif(v_errdetail, ''), v_argmap), HINT = v_errhint;
		END IF;
		RAISE;
	END;

	IF coalesce(v_res.n_rows, 0) = 0 THEN
		RAISE EXCEPTION 'relation "%" has no rows to train on', mlops._relname(p_rel)
			USING ERRCODE = 'data_exception',
				  HINT = CASE WHEN p_fraction > 0 THEN 'Add rows, or lower test_fraction.' ELSE 'Add rows.' END;
	END IF;
	IF v_nulls = 'error' AND v_res.n_skipped + v_res.n_skipped_test > 0 THEN
		RAISE EXCEPTION 'relation "%" has % rows with NULL in the target or a feature', mlops._relname(p_rel),
						v_res.n_skipped + v_res.n_skipped_test
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Use params => ''{"nulls": "skip"}'' to skip such rows.';
	END IF;
	IF v_res.coef IS NULL THEN
		RAISE EXCEPTION 'could not fit logistic model: every training row has target %',
						CASE WHEN v_res.n_positive = 0 THEN 0 ELSE 1 END
			USING ERRCODE = 'data_exception',
				  HINT = 'A logistic model needs training rows of both classes.';
	END IF;
	IF v_res.separation = 'complete' THEN
		RAISE EXCEPTION 'could not fit logistic model: the classes are completely separated'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The coefficients of iteration %s put every training row with target 1 on one side of a hyperplane of the features and every row with target 0 on the other, so the likelihood has no maximum: it grows without bound along that direction.',
								  v_res.iterations),
				  HINT = 'Add an L2 penalty, for example params => ''{"lambda": 0.001}'', or leave out the features that separate the classes.';
	ELSIF v_res.separation = 'quasi-complete' THEN
		RAISE WARNING 'logistic fit of project "%": quasi-complete separation', p_project
			USING DETAIL = 'The last iteration moved the coefficients along a direction that puts every training row on the side of its class, some on the boundary: the likelihood has no maximum, the coefficients reached grow with every iteration and their standard errors are not meaningful.',
				  HINT = 'Add an L2 penalty (params.lambda), or leave out the features that separate the classes.';
	ELSIF NOT v_res.converged THEN
		RAISE WARNING 'logistic fit of project "%" did not converge in % iterations', p_project, v_res.iterations
			USING HINT = 'Raise params.max_iter, loosen params.tol, or add an L2 penalty (params.lambda).';
	END IF;

	/*
	 * ---- metrics: both splits from the fit; the AUC by one more scan when
	 * neither the rows nor their scores fitted in mlops.logistic_memory
	 */
	IF NOT v_res.in_memory AND (v_res.train_metrics[6] IS NULL
								OR (v_res.test_metrics IS NOT NULL AND v_res.test_metrics[6] IS NULL)) THEN
		v_auc := mlops._logistic_auc(p_rel, v_res.coef, v_ycol, v_xargs, v_split);
	END IF;
	v_metrics := jsonb_build_object('train', mlops._logistic_metrics_json(v_res.train_metrics, v_auc[1]));
	IF v_res.test_metrics IS NOT NULL THEN
		v_metrics := v_metrics || jsonb_build_object('test', mlops._logistic_metrics_json(v_res.test_metrics, v_auc[2]));
	END IF;

	/*
	 * ---- drift baselines, as mlops._train makes them, with the probability
	 * as the prediction: bin edges from a sample of the training rows, then
	 * the counts and moments of every column in one scan
	 */
	v_prob := format('mlops.logistic_proba($1%s)', v_base_xargs);
	v_exprs := ARRAY[v_prob]
			   || ARRAY(SELECT CASE WHEN d.level IS NULL THEN d.expr ELSE '0.5::float8' END
						FROM mlops._design(p_features, p_encoding, false) d ORDER BY d.ordinal);
	v_edges := mlops._baseline_edges(p_rel, v_split, v_exprs, v_bins, v_res.coef);
	v_sql := format('SELECT mlops.baseline_stats(%L::float8[], $1, %L%s), '
					'ARRAY[count(mlops_proba), count(*) - count(mlops_proba), avg(mlops_proba), '
					'      stddev_samp(mlops_proba), min(mlops_proba), max(mlops_proba)], '
					'mlops.bin_counts(%L::float8[], mlops_proba) '
					'FROM (SELECT *, %s AS mlops_proba FROM %s WHERE NOT (%s)) s',
					(SELECT '{' || string_agg(translate(e::text, '[]', '{}'), ',' ORDER BY o) || '}'
					 FROM jsonb_array_elements(v_edges) WITH ORDINALITY AS u(e, o)),
					v_intercept, v_base_xargs,
					translate((v_edges -> 0)::text, '[]', '{}'),
					v_prob, p_rel, v_split);
	EXECUTE v_sql INTO v_base, v_pstats, v_pcounts USING v_res.coef;
	/* ordinal 0: the probability, not the log-odds that baseline_stats measured */
	FOR j IN 1 .. 6 LOOP
		v_base[1][j] := v_pstats[j];
	END LOOP;
	FOR b IN 1 .. v_bins LOOP
		v_base[1][6 + b] := coalesce(v_pcounts[b], 0);
	END LOOP;

	/* ---- registry and deployment ---- */
	v_ols.coef := v_res.coef;
	v_ols.std_err := v_res.std_err;
	v_ols.p_values := v_res.p_values;
	v_ols.log_likelihood := v_res.log_likelihood;
	v_ols.aic := v_res.aic;
	v_ols.bic := v_res.bic;
	v_ols.n_rows := v_res.n_rows;
	v_ols.n_skipped := v_res.n_skipped;
	v_ols.df_residual := v_res.df_residual;
	v_extra := jsonb_build_object('z_stats', v_res.z_stats, 'deviance', v_res.deviance,
								  'null_deviance', v_res.null_deviance, 'n_positive', v_res.n_positive,
								  'iterations', v_res.iterations, 'converged', v_res.converged,
								  'separation', v_res.separation,
								  'fit', CASE WHEN v_res.in_memory THEN 'memory' ELSE 'passes' END,
								  'passes', v_passes);
	SELECT * INTO r FROM mlops._record_model(p_project, p_rel, p_target, p_features, 'logistic', v_params,
											 p_fraction, v_intercept, v_ols, NULL, v_metrics,
											 NULL, p_deploy, v_extra, p_encoding);
	PERFORM mlops._store_baselines(r.model_id, p_rel, v_split, p_features, p_encoding, v_base, v_edges, v_bins);
	RETURN QUERY SELECT r.model_id, p_project, r.version, 'logistic'::text, r.deployed, v_metrics,
						(to_jsonb(v_ols) - 'vcov') || v_extra, r.reason;
END;
$$;
COMMENT ON FUNCTION mlops._train_logistic(text, regclass, text, text[], jsonb, float8, text, jsonb) IS
	'internal: the body of mlops.train for algorithm "logistic"';

/* mlops.evaluate for a logistic model: its classification metrics on the rows of a relation. */
CREATE FUNCTION mlops._evaluate_logistic(p_model mlops.models, p_rel regclass)
RETURNS TABLE (metric text, value float8)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
#variable_conflict use_column
DECLARE
	v_ycol text;
	v_xargs text;
	v_res mlops.logistic_result;
	v_m float8[];
	v_skipped bigint;
	v_errmsg text;
	v_errstate text;
	v_errhint text;
BEGIN
	v_ycol := mlops._logistic_target_sql(p_rel, p_model.target);
	PERFORM mlops._check_model_columns(p_rel, p_model.features, p_model.encoding);
	v_xargs := mlops._xargs_sql(p_model.features, p_model.intercept, p_model.encoding);
	BEGIN
		/* every row as a test row: only measured */
		EXECUTE format('SELECT (s.r).* FROM (SELECT mlops.logistic_step($1, $2, %s, true%s) AS r FROM %s) s',
					   v_ycol, v_xargs, p_rel)
		INTO v_res USING p_model.coefficients, mlops._logistic_options(p_model.params, true, false);
	EXCEPTION WHEN data_exception OR invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_errmsg = MESSAGE_TEXT, v_errstate = RETURNED_SQLSTATE,
								v_errhint = PG_EXCEPTION_HINT;
		IF v_errmsg LIKE 'cannot % value in %' OR v_errmsg LIKE 'logistic regression needs a target of 0 or 1%' THEN
			RAISE EXCEPTION USING ERRCODE = v_errstate, MESSAGE = v_errmsg, HINT = v_errhint,
								  DETAIL = mlops._argmap(p_model.target, p_model.features, p_model.intercept,
														 p_model.encoding);
		END IF;
		RAISE;
	END;
	v_skipped := coalesce(v_res.n_skipped_test, 0);
	v_m := v_res.test_metrics;
	IF v_m IS NULL THEN
		RAISE EXCEPTION 'relation "%" has no usable rows to evaluate on', mlops._relname(p_rel)
			USING ERRCODE = 'data_exception',
				  DETAIL = CASE WHEN v_res IS NULL THEN 'It has no rows.'
								ELSE format('All its %s rows have NULL in the target or a feature.', v_skipped) END;
	END IF;
	IF p_model.params ->> 'nulls' = 'error' AND v_skipped > 0 THEN
		RAISE EXCEPTION 'relation "%" has % rows with NULL in the target or a feature', mlops._relname(p_rel), v_skipped
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = format('Version %s of project "%s" was trained with "nulls": "error".', p_model.version,
								  (SELECT p.name FROM mlops.projects p WHERE p.project_id = p_model.project_id));
	END IF;
	IF v_m[6] IS NULL AND NOT v_res.in_memory THEN
		v_m[6] := (mlops._logistic_auc(p_rel, p_model.coefficients, v_ycol, v_xargs, 'true'))[2];
	END IF;

	/* replace the model's earlier evaluation */
	DELETE FROM mlops.metrics r WHERE r.model_id = p_model.model_id AND r.split = 'eval';
	INSERT INTO mlops.metrics (model_id, split, metric, value)
	SELECT p_model.model_id, 'eval', x.k, x.v
	FROM unnest(ARRAY['n', 'accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'], v_m) AS x(k, v);
	RETURN QUERY
		SELECT x.k, x.v
		FROM unnest(ARRAY['n', 'accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'], v_m)
			 WITH ORDINALITY AS x(k, v, o)
		ORDER BY x.o;
END;
$$;
COMMENT ON FUNCTION mlops._evaluate_logistic(mlops.models, regclass) IS
	'internal: mlops.evaluate for a logistic model: n, accuracy, precision, recall, f1, roc_auc and log_loss, recorded with split eval';

/* Log loss of a stored logistic model on the rows of a relation that satisfy a condition (SQL). */
CREATE FUNCTION mlops._model_log_loss(p_model_id bigint, p_rel regclass, p_where text) RETURNS float8
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m mlops.models;
	v_res mlops.logistic_result;
BEGIN
	SELECT * INTO m FROM mlops.models WHERE model_id = p_model_id;
	PERFORM mlops._check_model_columns(p_rel, m.features, m.encoding);
	EXECUTE format('SELECT (s.r).* FROM (SELECT mlops.logistic_step($1, $2, %s, true%s) AS r FROM %s WHERE %s) s',
				   mlops._logistic_target_sql(p_rel, m.target),
				   mlops._xargs_sql(m.features, m.intercept, m.encoding), p_rel, p_where)
	INTO v_res USING m.coefficients, mlops._logistic_options(m.params, false, false);
	RETURN v_res.test_metrics[7];
END;
$$;
COMMENT ON FUNCTION mlops._model_log_loss(bigint, regclass, text) IS
	'internal: log loss of a stored logistic model on the rows of a relation that satisfy a condition';

/* The score of a stored model on rows of a relation (lower is better): log loss for a logistic model, else RMSE. */
CREATE FUNCTION mlops._model_score(p_model_id bigint, p_rel regclass, p_where text) RETURNS float8
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF (SELECT m.algorithm FROM mlops.models m WHERE m.model_id = p_model_id) = 'logistic' THEN
		RETURN mlops._model_log_loss(p_model_id, p_rel, p_where);
	END IF;
	RETURN mlops._model_rmse(p_model_id, p_rel, p_where);
END;
$$;
COMMENT ON FUNCTION mlops._model_score(bigint, regclass, text) IS
	'internal: the score of mlops._score_metric (log loss for a logistic model, else RMSE) of a stored model on the rows of a relation that satisfy a condition';

/* ======================== end of Logistic regression block ======================== */

/* ------------------------------------------------------------------------
 * Retraining: champion and challenger, pg_cron schedules
 * ------------------------------------------------------------------------ */

CREATE TABLE mlops.retrain_runs (
	run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	started_at timestamptz NOT NULL,
	finished_at timestamptz NOT NULL,
	triggered_by text NOT NULL CHECK (triggered_by IN ('manual', 'schedule')),
	run_by name NOT NULL DEFAULT current_user,
	deploy text NOT NULL,
	champion_model_id bigint REFERENCES mlops.models ON DELETE SET NULL,
	challenger_model_id bigint REFERENCES mlops.models ON DELETE SET NULL,
	score text,
	champion_score float8,
	challenger_score float8,
	decision text NOT NULL CHECK (decision IN ('deployed', 'kept', 'failed', 'skipped')),
	reason text NOT NULL,
	error text,
	error_sqlstate text
);
COMMENT ON TABLE mlops.retrain_runs IS 'one row per retraining: the champion and challenger, their scores, and the decision';
COMMENT ON COLUMN mlops.retrain_runs.run_id IS 'identifier of the run';
COMMENT ON COLUMN mlops.retrain_runs.project_id IS 'project retrained';
COMMENT ON COLUMN mlops.retrain_runs.started_at IS 'when the run started';
COMMENT ON COLUMN mlops.retrain_runs.finished_at IS 'when the run ended';
COMMENT ON COLUMN mlops.retrain_runs.triggered_by IS 'manual (mlops.retrain) or schedule (a pg_cron job)';
COMMENT ON COLUMN mlops.retrain_runs.run_by IS 'role that ran it';
COMMENT ON COLUMN mlops.retrain_runs.deploy IS 'deploy mode: always, if_better or never';
COMMENT ON COLUMN mlops.retrain_runs.champion_model_id IS 'model deployed when the challenger was compared with it, if any';
COMMENT ON COLUMN mlops.retrain_runs.challenger_model_id IS 'model trained by the run (NULL when the run failed: its work was rolled back)';
COMMENT ON COLUMN mlops.retrain_runs.score IS 'what was compared: test rmse (on the same fresh hold-out) or train rmse (on all rows, without a hold-out); test log_loss or train log_loss for logistic projects';
COMMENT ON COLUMN mlops.retrain_runs.champion_score IS 'score of the champion on the current data';
COMMENT ON COLUMN mlops.retrain_runs.challenger_score IS 'score of the challenger on the current data';
COMMENT ON COLUMN mlops.retrain_runs.decision IS 'deployed (the challenger serves now), kept (the champion stays), failed, or skipped (only_on_drift and no drift alert since the last training)';
COMMENT ON COLUMN mlops.retrain_runs.reason IS 'why, in words';
COMMENT ON COLUMN mlops.retrain_runs.error IS 'error message of a failed run';
COMMENT ON COLUMN mlops.retrain_runs.error_sqlstate IS 'SQLSTATE of the error of a failed run';
SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_runs', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_runs_run_id_seq', '');
GRANT SELECT ON mlops.retrain_runs TO PUBLIC;

CREATE VIEW mlops.retrain_history AS
SELECT r.run_id, p.name AS project, r.started_at, r.finished_at,
	   r.finished_at - r.started_at AS duration,
	   r.triggered_by, r.run_by, r.deploy,
	   ch.version AS champion_version, cl.version AS challenger_version,
	   r.score, r.champion_score, r.challenger_score, r.decision, r.reason, r.error, r.error_sqlstate
FROM mlops.retrain_runs r
JOIN mlops.projects p ON p.project_id = r.project_id
LEFT JOIN mlops.models ch ON ch.model_id = r.champion_model_id
LEFT JOIN mlops.models cl ON cl.model_id = r.challenger_model_id;
COMMENT ON VIEW mlops.retrain_history IS 'retraining runs with project names, versions and durations';
COMMENT ON COLUMN mlops.retrain_history.run_id IS 'identifier of the run';
COMMENT ON COLUMN mlops.retrain_history.project IS 'name of the project';
COMMENT ON COLUMN mlops.retrain_history.started_at IS 'when the run started';
COMMENT ON COLUMN mlops.retrain_history.finished_at IS 'when the run ended';
COMMENT ON COLUMN mlops.retrain_history.duration IS 'how long the run took';
COMMENT ON COLUMN mlops.retrain_history.triggered_by IS 'manual or schedule';
COMMENT ON COLUMN mlops.retrain_history.run_by IS 'role that ran it';
COMMENT ON COLUMN mlops.retrain_history.deploy IS 'deploy mode of the run';
COMMENT ON COLUMN mlops.retrain_history.champion_version IS 'version deployed before the run';
COMMENT ON COLUMN mlops.retrain_history.challenger_version IS 'version the run trained';
COMMENT ON COLUMN mlops.retrain_history.score IS 'test rmse or train rmse (test log_loss or train log_loss for logistic projects)';
COMMENT ON COLUMN mlops.retrain_history.champion_score IS 'score of the champion on the current data';
COMMENT ON COLUMN mlops.retrain_history.challenger_score IS 'score of the challenger on the current data';
COMMENT ON COLUMN mlops.retrain_history.decision IS 'deployed, kept or failed';
COMMENT ON COLUMN mlops.retrain_history.reason IS 'why, in words';
COMMENT ON COLUMN mlops.retrain_history.error IS 'error message of a failed run';
COMMENT ON COLUMN mlops.retrain_history.error_sqlstate IS 'SQLSTATE of a failed run';
GRANT SELECT ON mlops.retrain_history TO PUBLIC;

/* RMSE of a stored model on the rows of a relation that satisfy a condition (SQL). */
CREATE FUNCTION mlops._model_rmse(p_model_id bigint, p_rel regclass, p_where text) RETURNS float8
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m mlops.models;
	v_rmse float8;
BEGIN
	SELECT * INTO m FROM mlops.models WHERE model_id = p_model_id;
	PERFORM mlops._check_numeric_column(p_rel, m.target, 'target');
	PERFORM mlops._check_model_columns(p_rel, m.features, m.encoding);
	EXECUTE format('SELECT (mlops.error_stats($1, %I::float8%s))[2] FROM %s WHERE %s',
				   m.target, mlops._xargs_sql(m.features, m.intercept, m.encoding), p_rel, p_where)
	INTO v_rmse USING m.coefficients;
	RETURN v_rmse;
END;
$$;
COMMENT ON FUNCTION mlops._model_rmse(bigint, regclass, text) IS
	'internal: RMSE of a stored model on the rows of a relation that satisfy a condition';

/*
 * Incremental refit: the champion's stored state of its training split, with
 * the training-split rows past its watermark folded in (no rescan of the old
 * rows).  The result equals a full refit on all rows up to rounding.  Metrics:
 * the training split from the state (n, rmse, r2; mae would need the old
 * rows), the test split on the new rows only (the fresh hold-out).
 */
CREATE FUNCTION mlops._refit_incremental(p mlops.projects, c mlops.models)
RETURNS TABLE (model_id bigint, metrics jsonb)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
SET datestyle = 'ISO, YMD'
AS $$
#variable_conflict use_column
DECLARE
	v_rel regclass := p.relation::regclass;
	v_col text := p.params ->> 'incremental_column';
	v_split text := mlops._split_sql(p.relation::regclass, p.target, p.test_fraction);
	/* the champion's design: its levels and imputed means, replayed on the new rows */
	v_xargs text := mlops._xargs_sql(p.features, c.intercept, c.encoding);
	v_names text[] := CASE WHEN c.intercept THEN ARRAY['(intercept)'] ELSE '{}' END
					  || ARRAY(SELECT d.name FROM mlops._design(p.features, c.encoding) d ORDER BY d.ordinal);
	v_new text;
	v_state mlops.fitstate;
	v_res mlops.ols_result;
	v_test float8[];
	v_watermark text;
	v_metrics jsonb;
	r record;
BEGIN
	v_new := format('%I > %L', v_col, c.watermark);
	EXECUTE format('SELECT mlops.fit_merge(s) FROM (SELECT $1 AS s UNION ALL '
				   'SELECT %s(%I::float8%s) FROM %s WHERE %s AND NOT (%s)) u',
				   CASE WHEN cardinality(v_names) <= 90 THEN 'mlops.fit_columns' ELSE 'mlops.fit_state' END,
				   p.target, v_xargs, v_rel, v_new, v_split)
	INTO v_state USING c.state;
	v_res := mlops.ols_result(v_state, v_names);
	EXECUTE format('SELECT mlops.error_stats($1, %I::float8%s) FILTER (WHERE %s), max(%I)::text '
				   'FROM %s WHERE %s',
				   p.target, v_xargs, v_split, v_col, v_rel, v_new)
	INTO v_test, v_watermark USING v_res.coef;
	v_metrics := jsonb_build_object('train', jsonb_build_object(
		'n', v_res.n_rows, 'rmse', sqrt(v_res.rss / v_res.n_rows),
		'r2', CASE WHEN c.intercept THEN v_res.r2 END));
	IF v_test IS NOT NULL AND v_test[1] > 0 THEN
		v_metrics := v_metrics || jsonb_build_object('test', jsonb_build_object(
			'n', v_test[1], 'rmse', v_test[2], 'mae', v_test[3], 'r2', v_test[4]));
	END IF;
	v_metrics := jsonb_strip_nulls(v_metrics);
	SELECT * INTO r FROM mlops._record_model(p.name, v_rel, p.target, p.features, p.algorithm, p.params,
											 p.test_fraction, c.intercept, v_res, v_state, v_metrics,
											 coalesce(v_watermark, c.watermark), 'never', p_encoding => c.encoding);
	/* the drift reference stays the parent's: its baselines, as trained on the rows before */
	INSERT INTO mlops.baselines (model_id, ordinal, feature, n, n_null, mean, sd, min, max, edges, counts)
	SELECT r.model_id, b.ordinal, b.feature, b.n, b.n_null, b.mean, b.sd, b.min, b.max, b.edges, b.counts
	FROM mlops.baselines b WHERE b.model_id = c.model_id;
	RETURN QUERY SELECT r.model_id, v_metrics;
END;
$$;
COMMENT ON FUNCTION mlops._refit_incremental(mlops.projects, mlops.models) IS
	'internal: the incremental refit of mlops.retrain with params.incremental_column';

CREATE FUNCTION mlops._retrain(p_project text, p_deploy text, p_triggered_by text,
							   p_only_on_drift boolean DEFAULT false)
RETURNS mlops.retrain_runs
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_start timestamptz := clock_timestamp();
	p mlops.projects;
	c mlops.models;
	t record;
	v_incremental boolean;
	v_champion bigint;
	v_challenger bigint;
	v_score text;
	v_champion_score float8;
	v_challenger_score float8;
	v_margin float8;
	v_decision text;
	v_reason text;
	v_error text;
	v_sqlstate text;
	v_last_trained timestamptz;
	r mlops.retrain_runs;
BEGIN
	IF p_deploy IS NULL OR p_deploy NOT IN ('always', 'if_better', 'never') THEN
		RAISE EXCEPTION 'unknown deploy mode "%"', p_deploy
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "always", "if_better" or "never".';
	END IF;
	PERFORM mlops._require(p_project, CASE WHEN p_deploy = 'never' THEN 'train' ELSE 'owner' END, current_user);
	SELECT * INTO p FROM mlops.projects WHERE name = p_project;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" does not exist', p_project
			USING ERRCODE = 'undefined_object';
	END IF;
	IF p.relation IS NULL THEN
		RAISE EXCEPTION 'project "%" has no training configuration to retrain with', p_project
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Train it once with mlops.train().';
	END IF;

	/* only on drift: skip (and say so) unless an alert was raised since the last training */
	IF p_only_on_drift THEN
		IF EXISTS (SELECT 1 FROM mlops.monitors mo WHERE mo.project_id = p.project_id) THEN
			PERFORM mlops.check_drift(p.name);
		END IF;
		SELECT max(m.trained_at) INTO v_last_trained FROM mlops.models m WHERE m.project_id = p.project_id;
		IF NOT EXISTS (SELECT 1 FROM mlops.alerts a
					   WHERE a.project_id = p.project_id AND a.raised_at > coalesce(v_last_trained, '-infinity')) THEN
			SELECT d.model_id INTO v_champion FROM mlops.deployed_models d WHERE d.project_id = p.project_id;
			INSERT INTO mlops.retrain_runs AS x (project_id, started_at, finished_at, triggered_by, deploy,
												 champion_model_id, decision, reason)
			VALUES (p.project_id, v_start, clock_timestamp(), p_triggered_by, p_deploy, v_champion, 'skipped',
					format('no drift alert since the last training (%s)', coalesce(v_last_trained::text, 'never')))
			RETURNING x.* INTO r;
			RETURN r;
		END IF;
	END IF;

	/* the challenger's work is undone if anything fails; the run is recorded either way */
	BEGIN
		/* lock the project first: the champion read now stays the champion */
		PERFORM mlops._lock_project(p.name, CASE WHEN p_deploy = 'never' THEN 'train' ELSE 'owner' END);
		SELECT m.* INTO c FROM mlops.deployed_models d JOIN mlops.models m USING (model_id)
		WHERE d.project_id = p.project_id;
		/*
		 * a feature must keep its kind (numeric or categorical) from the latest
		 * version: a column whose type changed fails the run, not the model
		 */
		PERFORM mlops._check_model_columns(p.relation::regclass, l.features, l.encoding)
		FROM (SELECT ARRAY(SELECT f FROM unnest(m.features) f WHERE f = ANY (p.features)) AS features,
					 (SELECT jsonb_agg(e ORDER BY o) FROM jsonb_array_elements(m.encoding) WITH ORDINALITY AS u(e, o)
					  WHERE e ->> 'column' = ANY (p.features)) AS encoding
			  FROM mlops.models m WHERE m.project_id = p.project_id ORDER BY m.version DESC LIMIT 1) l;
		v_incremental := p.params ? 'incremental_column' AND p.algorithm = 'linear' AND c.watermark IS NOT NULL
						 AND NOT p.params ? 'robust'
			AND c.state IS NOT NULL AND c.relation = p.relation AND c.target = p.target
			AND c.features = p.features AND c.intercept = coalesce((p.params ->> 'intercept')::boolean, true)
			AND c.params ->> 'nulls' IS NOT DISTINCT FROM p.params ->> 'nulls'
			AND c.test_fraction = p.test_fraction;
		IF v_incremental THEN
			SELECT * INTO t FROM mlops._refit_incremental(p, c);
		ELSE
			SELECT * INTO t FROM mlops._train(p.name, p.relation::regclass, p.target, p.features,
											  p.algorithm, p.params, p.test_fraction, 'never');
		END IF;
		v_challenger := t.model_id;
		v_champion := c.model_id;
		v_margin := coalesce((p.params ->> 'margin')::float8, 0);
		/* scores: RMSE, or log loss for logistic models (a champion of the other kind does not compare) */
		IF v_champion IS NOT NULL AND mlops._score_metric(c.algorithm) = mlops._score_metric(p.algorithm) THEN
			IF t.metrics ? 'test' THEN
				v_score := 'test ' || mlops._score_metric(p.algorithm);
				v_challenger_score := (t.metrics -> 'test' ->> mlops._score_metric(p.algorithm))::float8;
				/* the same fresh hold-out: with an incremental refit, the new rows' test split */
				v_champion_score := mlops._model_score(v_champion, p.relation::regclass,
					mlops._split_sql(p.relation::regclass, p.target, p.test_fraction)
					|| CASE WHEN v_incremental
							THEN format(' AND %I > %L', p.params ->> 'incremental_column', c.watermark)
							ELSE '' END);
			ELSIF v_incremental AND p.test_fraction > 0 THEN
				/* no new rows fell in the test split: nothing fresh to compare on */
				v_score := 'test rmse';
			ELSE
				v_score := 'train ' || mlops._score_metric(p.algorithm);
				v_challenger_score := (t.metrics -> 'train' ->> mlops._score_metric(p.algorithm))::float8;
				v_champion_score := mlops._model_score(v_champion, p.relation::regclass, 'true');
			END IF;
		END IF;

		IF p_deploy = 'always' THEN
			v_decision := 'deployed';
			v_reason := 'deploy => always';
		ELSIF p_deploy = 'never' THEN
			v_decision := 'kept';
			v_reason := 'deploy => never';
		ELSIF v_champion IS NULL THEN
			v_decision := 'deployed';
			v_reason := 'no model was deployed';
		ELSIF mlops._score_metric(c.algorithm) <> mlops._score_metric(p.algorithm) THEN
			v_decision := 'kept';
			v_reason := format('champion version %s is %s and the challenger is %s: their scores do not compare',
							   c.version, c.algorithm, p.algorithm);
		ELSIF v_challenger_score IS NULL OR v_champion_score IS NULL THEN
			v_decision := 'kept';
			v_reason := 'no new rows in the test split to compare on';
		ELSIF v_challenger_score < v_champion_score * (1 - v_margin) THEN
			v_decision := 'deployed';
			v_reason := format('challenger %s %s beats champion %s by more than the margin %s',
							   v_score, v_challenger_score, v_champion_score, v_margin);
		ELSE
			v_decision := 'kept';
			v_reason := format('challenger %s %s does not beat champion %s by more than the margin %s',
							   v_score, v_challenger_score, v_champion_score, v_margin);
		END IF;
		IF v_incremental THEN
			v_reason := v_reason || format('; incremental refit: rows with %s > %s folded into version %s',
										   p.params ->> 'incremental_column', c.watermark, c.version);
		END IF;
		IF v_decision = 'deployed' THEN
			INSERT INTO mlops.deployments (project_id, model_id, strategy, reason)
			VALUES (p.project_id, v_challenger, 'retrain', v_reason);
		END IF;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS v_error = MESSAGE_TEXT, v_sqlstate = RETURNED_SQLSTATE;
		v_decision := 'failed';
		v_reason := 'the retraining failed and its work was rolled back';
		v_challenger := NULL;
		v_score := NULL;
		v_champion_score := NULL;
		v_challenger_score := NULL;
		SELECT d.model_id INTO v_champion FROM mlops.deployed_models d WHERE d.project_id = p.project_id;
	END;

	INSERT INTO mlops.retrain_runs (project_id, started_at, finished_at, triggered_by, deploy,
									champion_model_id, challenger_model_id, score, champion_score,
									challenger_score, decision, reason, error, error_sqlstate)
	VALUES (p.project_id, v_start, clock_timestamp(), p_triggered_by, p_deploy,
			v_champion, v_challenger, v_score, v_champion_score, v_challenger_score,
			v_decision, v_reason, v_error, v_sqlstate)
	RETURNING * INTO r;
	RETURN r;
END;
$$;
COMMENT ON FUNCTION mlops._retrain(text, text, text, boolean) IS 'internal: the body of mlops.retrain and of scheduled runs';

CREATE FUNCTION mlops.retrain(project text, deploy text DEFAULT 'if_better', only_on_drift boolean DEFAULT false)
RETURNS mlops.retrain_runs
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM mlops._retrain($1, $2, 'manual', coalesce($3, false));
$$;
COMMENT ON FUNCTION mlops.retrain(text, text, boolean) IS
	'retrains a project with its stored configuration on the current data, compares the challenger with the deployed champion on the same hold-out, deploys as asked, and records the run in mlops.retrain_runs';

/* The name of a project's pg_cron job. */
CREATE FUNCTION mlops._retrain_job_name(p_project text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT 'mlops retrain ' || p_project;
$$;
COMMENT ON FUNCTION mlops._retrain_job_name(text) IS 'internal: name of the pg_cron job that retrains a project';

CREATE FUNCTION mlops._require_pg_cron() RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = format('pg_cron runs jobs in one database, named by cron.database_name (%s): '
								'add pg_cron to shared_preload_libraries, CREATE EXTENSION pg_cron there, '
								'and keep the project in that database.',
								coalesce(current_setting('cron.database_name', true), 'not set'));
	END IF;
END;
$$;
COMMENT ON FUNCTION mlops._require_pg_cron() IS 'internal: error with a hint when pg_cron is missing from this database';

CREATE FUNCTION mlops.schedule_retrain(project text, schedule text, deploy text DEFAULT 'if_better',
									   only_on_drift boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_jobid bigint;
BEGIN
	IF $3 IS NULL OR $3 NOT IN ('always', 'if_better', 'never') THEN
		RAISE EXCEPTION 'unknown deploy mode "%"', $3
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "always", "if_better" or "never".';
	END IF;
	IF $4 IS NULL THEN
		RAISE EXCEPTION 'only_on_drift must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF mlops._require($1, 'owner', current_user) IS NULL THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	PERFORM mlops._require_pg_cron();
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO v_jobid
		USING mlops._retrain_job_name($1), $2,
			  format('SELECT run_id, decision FROM mlops._retrain(%L, %L, %L, %L)', $1, $3, 'schedule', $4);
	RETURN v_jobid;
END;
$$;
COMMENT ON FUNCTION mlops.schedule_retrain(text, text, text, boolean) IS
	'creates (or replaces) the pg_cron job "mlops retrain <project>" that retrains the project on a cron schedule (with only_on_drift, a run without a new drift alert since the last training is recorded as skipped); returns the job id';

CREATE FUNCTION mlops.unschedule_retrain(project text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_jobid bigint;
BEGIN
	PERFORM mlops._require($1, 'owner', current_user);
	PERFORM mlops._require_pg_cron();
	EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username = current_user' INTO v_jobid
		USING mlops._retrain_job_name($1);
	IF v_jobid IS NULL THEN
		RAISE EXCEPTION 'project "%" has no retraining schedule', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	EXECUTE 'SELECT cron.unschedule($1)' USING v_jobid;
END;
$$;
COMMENT ON FUNCTION mlops.unschedule_retrain(text) IS 'removes the pg_cron job that retrains a project';

/* ========================================================================
 * Life cycle: evaluate, explain, export/import, tags, leaderboard
 * (everything from here to the end of this block belongs to it)
 * ======================================================================== */

/* The deployed model of a project, with predict's errors when there is none. */
CREATE FUNCTION mlops._deployed_model(p_project text) RETURNS mlops.models
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_project_id bigint;
	v_model mlops.models;
BEGIN
	SELECT p.project_id INTO v_project_id FROM mlops.projects p WHERE p.name = p_project;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" does not exist', p_project
			USING ERRCODE = 'undefined_object';
	END IF;
	SELECT m.* INTO v_model
	FROM mlops.deployed_models d JOIN mlops.models m ON m.model_id = d.model_id
	WHERE d.project_id = v_project_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" has no deployed model', p_project
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Deploy a version with mlops.deploy().';
	END IF;
	RETURN v_model;
END;
$$;
COMMENT ON FUNCTION mlops._deployed_model(text) IS
	'internal: the models row of the deployed model of a project; 42704 for an unknown project, 55000 when none is deployed';

/* ---- evaluate ---- */

CREATE FUNCTION mlops.evaluate(project text, relation regclass)
RETURNS TABLE (metric text, value float8)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
SET datestyle = 'ISO, YMD'
AS $evaluate$
#variable_conflict use_column
DECLARE
	v_project text := $1;
	v_rel regclass := $2;
	v_model mlops.models;
	v_sql text;
	v_stats float8[];
	v_argmap text;
	v_errmsg text;
	v_errstate text;
	v_errhint text;
BEGIN
	IF v_project IS NULL OR v_rel IS NULL THEN
		RAISE EXCEPTION 'project and relation must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM mlops._require(v_project, 'train', current_user);
	v_model := mlops._deployed_model(v_project);
	/* a logistic model is measured as a classifier */
	IF v_model.algorithm = 'logistic' THEN
		RETURN QUERY SELECT * FROM mlops._evaluate_logistic(v_model, v_rel);
		RETURN;
	END IF;

	/* the model's columns, checked against the catalog as train does */
	PERFORM mlops._check_numeric_column(v_rel, v_model.target, 'target');
	PERFORM mlops._check_model_columns(v_rel, v_model.features, v_model.encoding);

	/* y, then 1 for the intercept, then the design columns: the layout of the coefficients */
	v_sql := format('SELECT mlops.error_stats($1, %I::float8%s) FROM %s',
					v_model.target, mlops._xargs_sql(v_model.features, v_model.intercept, v_model.encoding), v_rel);
	v_argmap := mlops._argmap(v_model.target, v_model.features, v_model.intercept, v_model.encoding);
	BEGIN
		EXECUTE v_sql INTO v_stats USING v_model.coefficients;
	EXCEPTION WHEN data_exception THEN
		GET STACKED DIAGNOSTICS v_errmsg = MESSAGE_TEXT, v_errstate = RETURNED_SQLSTATE,
								v_errhint = PG_EXCEPTION_HINT;
		IF v_errmsg LIKE 'cannot % value in %' THEN
			RAISE EXCEPTION USING ERRCODE = v_errstate, MESSAGE = v_errmsg, DETAIL = v_argmap,
								  HINT = v_errhint;
		END IF;
		RAISE;
	END;

	IF v_stats IS NULL OR v_stats[1] = 0 THEN
		RAISE EXCEPTION 'relation "%" has no usable rows to evaluate on', mlops._relname(v_rel)
			USING ERRCODE = 'data_exception',
				  DETAIL = CASE WHEN v_stats IS NULL THEN 'It has no rows.'
								ELSE format('All its %s rows have NULL in the target or a feature.',
											v_stats[5]::bigint) END;
	END IF;
	IF v_model.params ->> 'nulls' = 'error' AND v_stats[5] > 0 THEN
		RAISE EXCEPTION 'relation "%" has % rows with NULL in the target or a feature', mlops._relname(v_rel), v_stats[5]::bigint
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = format('Version %s of project "%s" was trained with "nulls": "error".',
								  v_model.version, v_project);
	END IF;

	/* replace the model's earlier evaluation */
	INSERT INTO mlops.metrics AS r (model_id, split, metric, value)
	SELECT v_model.model_id, 'eval', x.k, x.v
	FROM (VALUES ('n', v_stats[1]), ('rmse', v_stats[2]), ('mae', v_stats[3]), ('r2', v_stats[4])) AS x(k, v)
	ON CONFLICT (model_id, split, metric) DO UPDATE SET value = EXCLUDED.value;

	RETURN QUERY
		SELECT x.k, x.v
		FROM (VALUES (1, 'n', v_stats[1]), (2, 'rmse', v_stats[2]), (3, 'mae', v_stats[3]),
					 (4, 'r2', v_stats[4])) AS x(o, k, v)
		ORDER BY x.o;
END;
$evaluate$;
COMMENT ON FUNCTION mlops.evaluate(text, regclass) IS
	'evaluates the deployed model of a project on new labelled rows: n, rmse, mae and r2 (a logistic model: n, accuracy, precision, recall, f1, roc_auc and log_loss), recorded in mlops.metrics with split eval';

/* ---- explain ---- */

CREATE FUNCTION mlops.explain(project text, features float8[])
RETURNS TABLE (feature text, value float8, weight float8, contribution float8)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $explain$
#variable_conflict use_column
DECLARE
	v_project text := $1;
	v_x float8[];
	v_model mlops.models;
	v_off integer;
	v_n integer;
	v_names text[];				/* the design columns: the features, or the encoding's columns */
	v_impute float8[];			/* per design column, the mean that replaces NULL, or NULL */
BEGIN
	v_model := mlops._deployed_model(v_project);
	v_off := v_model.intercept::integer;
	SELECT coalesce(array_agg(d.name ORDER BY d.ordinal), '{}'),
		   coalesce(array_agg((v_model.encoding -> (d.source - 1) ->> 'impute')::float8 ORDER BY d.ordinal), '{}')
	INTO v_names, v_impute
	FROM mlops._design(v_model.features, v_model.encoding) d;
	IF array_ndims($2) > 1 THEN
		RAISE EXCEPTION 'features must be a one-dimensional array'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	/* the same checks, in the same order, as predict */
	v_x := ARRAY(SELECT u.x FROM unnest($2) WITH ORDINALITY AS u(x, o) ORDER BY u.o);
	v_n := cardinality(v_x);
	IF v_n <> cardinality(v_names) THEN
		RAISE EXCEPTION 'expected % features, not %', cardinality(v_names), v_n
			USING ERRCODE = 'data_exception',
				  DETAIL = CASE WHEN cardinality(v_names) > 0
								THEN format('Version %s of project "%s" takes features %s, in this order.',
											v_model.version, v_project,
											(SELECT string_agg(format('"%s"', u.f), ', ' ORDER BY u.o)
											 FROM unnest(v_names) WITH ORDINALITY AS u(f, o)))
								ELSE format('Version %s of project "%s" takes no features.',
											v_model.version, v_project) END;
	END IF;
	/* NULL: the training mean of an imputed feature, else an error */
	FOR j IN 1 .. v_n LOOP
		IF v_x[j] IS NULL AND v_impute[j] IS NOT NULL THEN
			v_x[j] := v_impute[j];
		END IF;
	END LOOP;
	IF array_position(v_x, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'feature "%" is NULL', v_names[array_position(v_x, NULL)]
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	FOR j IN 1 .. v_n LOOP
		IF v_x[j] IN ('NaN', 'Infinity', '-Infinity') THEN
			RAISE EXCEPTION 'feature "%" is %', v_names[j], v_x[j]
				USING ERRCODE = 'data_exception',
					  DETAIL = format('Version %s of project "%s" predicts from finite values only.',
									  v_model.version, v_project);
		END IF;
	END LOOP;

	IF v_model.intercept THEN
		RETURN QUERY SELECT '(intercept)'::text, 1::float8, v_model.coefficients[1], v_model.coefficients[1];
	END IF;
	RETURN QUERY
		SELECT u.f, v_x[u.o::integer], v_model.coefficients[u.o::integer + v_off],
			   v_model.coefficients[u.o::integer + v_off] * v_x[u.o::integer]
		FROM unnest(v_names) WITH ORDINALITY AS u(f, o)
		ORDER BY u.o;
END;
$explain$;
COMMENT ON FUNCTION mlops.explain(text, float8[]) IS
	'per-feature contributions of one prediction of the deployed model: value, weight and value times weight, with the intercept first; they add up to mlops.predict (with categorical features: one row per design column, as predict''s array takes them)';

/* ---- export and import ---- */

CREATE FUNCTION mlops.export_model(model_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1		/* float8 to JSON in the shortest form that reads back exactly */
AS $$
#variable_conflict use_column
DECLARE
	v_doc jsonb;
BEGIN
	SELECT jsonb_build_object(
		'format', 'mlops-model',
		'format_version', 1,
		'algorithm', m.algorithm,
		'params', m.params,
		'target', m.target,
		'features', to_jsonb(m.features),
		'intercept', m.intercept,
		'coefficients', to_jsonb(m.coefficients),
		'statistics', m.statistics,
		'state', m.state::text,
		'n_rows', m.n_rows,
		'n_skipped', m.n_skipped,
		'test_fraction', m.test_fraction,
		'relation', m.relation,
		'version', m.version,
		'project', p.name,
		'trained_at', m.trained_at,
		'metrics', coalesce((SELECT jsonb_object_agg(s.split, s.figures)
							 FROM (SELECT r.split, jsonb_object_agg(r.metric, r.value) AS figures
								   FROM mlops.metrics r WHERE r.model_id = m.model_id
								   GROUP BY r.split) s), '{}'::jsonb))
		   /* a model with categorical or imputed features: how its features become design columns */
		   || CASE WHEN m.encoding IS NOT NULL THEN jsonb_build_object('encoding', m.encoding) ELSE '{}' END
	INTO v_doc
	FROM mlops.models m JOIN mlops.projects p ON p.project_id = m.project_id
	WHERE m.model_id = $1;
	IF v_doc IS NULL THEN
		RAISE EXCEPTION 'model % does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN v_doc;
END;
$$;
COMMENT ON FUNCTION mlops.export_model(bigint) IS
	'a model as a self-contained JSON document (format "mlops-model", version 1) with exact coefficients, its fit state and metrics, for mlops.import_model';

/* The error for a document that import_model does not accept. */
CREATE FUNCTION mlops._invalid_model(p_detail text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'invalid model document'
		USING ERRCODE = 'invalid_parameter_value', DETAIL = p_detail,
			  HINT = 'mlops.export_model writes documents that mlops.import_model reads.';
END;
$$;
COMMENT ON FUNCTION mlops._invalid_model(text) IS
	'internal: raises 22023 invalid model document with the given detail';

/* A JSON number as float8; NULL when it is not a number or out of the range of float8. */
CREATE FUNCTION mlops._json_float8(p_value jsonb) RETURNS float8
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF pg_catalog.jsonb_typeof(p_value) IS DISTINCT FROM 'number' THEN
		RETURN NULL;
	END IF;
	RETURN p_value::float8;		/* numeric to float8 reads the decimal with correct rounding */
EXCEPTION WHEN numeric_value_out_of_range THEN
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION mlops._json_float8(jsonb) IS
	'internal: a JSON number as float8 (correctly rounded), NULL for anything else or a number out of the range of float8';

/* A JSON number as a bigint of at least p_min; NULL otherwise. */
CREATE FUNCTION mlops._json_int8(p_value jsonb, p_min bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v numeric;
BEGIN
	IF pg_catalog.jsonb_typeof(p_value) IS DISTINCT FROM 'number' THEN
		RETURN NULL;
	END IF;
	v := p_value::numeric;
	IF v <> pg_catalog.trunc(v) OR v < p_min OR v > 9223372036854775807 THEN
		RETURN NULL;
	END IF;
	RETURN v::bigint;
END;
$$;
COMMENT ON FUNCTION mlops._json_int8(jsonb, bigint) IS
	'internal: a JSON number that is a whole number from p_min to the largest bigint, as bigint; NULL for anything else';

CREATE FUNCTION mlops.import_model(project text, model jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $import$
#variable_conflict use_column
DECLARE
	v_project text := $1;
	v_doc jsonb := $2;
	v_key text;
	v_algorithm text;
	v_intercept boolean;
	v_features text[];
	v_ncoef integer;
	v_coef float8[];
	v_params jsonb;
	v_nulls text;
	v_state mlops.fitstate;
	v_state_cols integer;
	v_n_rows bigint;
	v_n_skipped bigint;
	v_fraction float8;
	v_trained_at timestamptz;
	v_split record;
	v_fig record;
	v_proj mlops.projects;
	v_version integer;
	v_model_id bigint;
	v_encoding jsonb;			/* how the features become design columns; NULL: all numeric, none imputed */
	v_problem text;
BEGIN
	IF v_project IS NULL OR v_doc IS NULL THEN
		RAISE EXCEPTION 'project and model must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF octet_length(v_project) NOT BETWEEN 1 AND 63 THEN
		RAISE EXCEPTION 'project name "%" must have 1 to 63 bytes', v_project
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	/* ---- the envelope ---- */
	IF jsonb_typeof(v_doc) <> 'object' THEN
		PERFORM mlops._invalid_model(format('The document is a JSON %s, not an object.', jsonb_typeof(v_doc)));
	END IF;
	SELECT k INTO v_key FROM jsonb_object_keys(v_doc) k
	WHERE k NOT IN ('format', 'format_version', 'algorithm', 'params', 'target', 'features', 'intercept',
					'coefficients', 'statistics', 'state', 'n_rows', 'n_skipped', 'test_fraction', 'relation',
					'version', 'project', 'trained_at', 'metrics', 'encoding')
	ORDER BY k LIMIT 1;
	IF FOUND THEN
		PERFORM mlops._invalid_model(format('Key "%s" is not part of format version 1.', v_key));
	END IF;
	SELECT k INTO v_key
	FROM unnest(ARRAY['format', 'format_version', 'algorithm', 'params', 'target', 'features', 'intercept',
					  'coefficients', 'n_rows', 'n_skipped', 'test_fraction', 'relation']) WITH ORDINALITY AS u(k, o)
	WHERE NOT v_doc ? k OR jsonb_typeof(v_doc -> k) = 'null'
	ORDER BY o LIMIT 1;
	IF FOUND THEN
		PERFORM mlops._invalid_model(format('Key "%s" is missing or null.', v_key));
	END IF;
	IF v_doc -> 'format' <> '"mlops-model"' THEN
		PERFORM mlops._invalid_model(format('Key "format" is %s, not "mlops-model".', v_doc -> 'format'));
	END IF;
	IF v_doc -> 'format_version' <> '1' THEN
		PERFORM mlops._invalid_model(format('Key "format_version" is %s; this version of mlops reads format version 1.',
											v_doc -> 'format_version'));
	END IF;
	IF v_doc -> 'algorithm' NOT IN ('"linear"', '"ridge"', '"lasso"', '"elastic_net"', '"logistic"') THEN
		PERFORM mlops._invalid_model(format('Key "algorithm" is %s; this version of mlops knows "linear", "ridge", "lasso", "elastic_net" and "logistic".',
											v_doc -> 'algorithm'));
	END IF;
	v_algorithm := v_doc ->> 'algorithm';

	/* ---- the model: target, features, coefficients ---- */
	IF jsonb_typeof(v_doc -> 'target') <> 'string' OR v_doc ->> 'target' = '' THEN
		PERFORM mlops._invalid_model('Key "target" must be a non-empty string.');
	END IF;
	IF jsonb_typeof(v_doc -> 'intercept') <> 'boolean' THEN
		PERFORM mlops._invalid_model('Key "intercept" must be true or false.');
	END IF;
	v_intercept := (v_doc -> 'intercept')::boolean;
	IF jsonb_typeof(v_doc -> 'features') <> 'array'
	   OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_doc -> 'features') e
				  WHERE jsonb_typeof(e) <> 'string' OR e #>> '{}' = '') THEN
		PERFORM mlops._invalid_model('Key "features" must be an array of non-empty strings.');
	END IF;
	v_features := ARRAY(SELECT e FROM jsonb_array_elements_text(v_doc -> 'features') WITH ORDINALITY AS u(e, o)
						ORDER BY o);
	IF (SELECT count(DISTINCT f) FROM unnest(v_features) f) <> cardinality(v_features) THEN
		PERFORM mlops._invalid_model('The names in "features" must be distinct.');
	END IF;
	IF cardinality(v_features) = 0 AND NOT v_intercept THEN
		PERFORM mlops._invalid_model('A model without an intercept needs at least one feature.');
	END IF;
	IF v_doc ->> 'target' = ANY (v_features) THEN
		PERFORM mlops._invalid_model(format('The target "%s" is also a feature.', v_doc ->> 'target'));
	END IF;
	/* the encoding of categorical and imputed features, when there is one: the design columns */
	IF jsonb_typeof(v_doc -> 'encoding') <> 'null' THEN
		v_problem := mlops._encoding_problem(v_features, v_intercept, v_doc -> 'encoding');
		IF v_problem IS NOT NULL THEN
			PERFORM mlops._invalid_model(v_problem);
		END IF;
		/* one that changes nothing is stored as none */
		IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_doc -> 'encoding') e
				   WHERE e ->> 'kind' = 'categorical' OR e ? 'impute') THEN
			v_encoding := v_doc -> 'encoding';
		END IF;
	END IF;
	v_ncoef := (SELECT count(*) FROM mlops._design(v_features, v_encoding)) + v_intercept::integer;
	IF v_ncoef > 1000 THEN
		PERFORM mlops._invalid_model(format('The model has %s coefficients; at most 1000 are allowed.', v_ncoef));
	END IF;
	IF jsonb_typeof(v_doc -> 'coefficients') <> 'array'
	   OR jsonb_array_length(v_doc -> 'coefficients') <> v_ncoef THEN
		PERFORM mlops._invalid_model(format('Key "coefficients" must be an array of %s numbers (%s).', v_ncoef,
			CASE WHEN v_intercept THEN format('the intercept and %s for the %s', v_ncoef - 1,
											  CASE WHEN v_encoding IS NULL THEN 'features' ELSE 'design columns' END)
				 ELSE format('one for each %s', CASE WHEN v_encoding IS NULL THEN 'feature' ELSE 'design column' END) END));
	END IF;
	v_coef := ARRAY(SELECT mlops._json_float8(e)
					FROM jsonb_array_elements(v_doc -> 'coefficients') WITH ORDINALITY AS u(e, o) ORDER BY o);
	IF array_position(v_coef, NULL) IS NOT NULL THEN
		PERFORM mlops._invalid_model(
			CASE WHEN jsonb_typeof(v_doc -> 'coefficients' -> (array_position(v_coef, NULL) - 1)) = 'number'
				 THEN format('Element %s of "coefficients" is out of the range of double precision.',
							 array_position(v_coef, NULL))
				 ELSE format('Element %s of "coefficients" is a JSON %s, not a number.', array_position(v_coef, NULL),
							 jsonb_typeof(v_doc -> 'coefficients' -> (array_position(v_coef, NULL) - 1))) END);
	END IF;

	/* ---- parameters, as train fills them in ---- */
	v_params := v_doc -> 'params';
	IF jsonb_typeof(v_params) <> 'object' THEN
		PERFORM mlops._invalid_model('Key "params" must be an object.');
	END IF;
	SELECT k INTO v_key FROM jsonb_object_keys(v_params) k
	WHERE k NOT IN ('intercept', 'nulls', 'margin', 'incremental_column', 'folds', 'bins')
	  AND NOT k = ANY (CASE v_algorithm
						   WHEN 'linear' THEN ARRAY['drop_collinear', 'weights', 'robust']
						   WHEN 'ridge' THEN ARRAY['lambda', 'lambdas']
						   WHEN 'lasso' THEN ARRAY['lambda', 'lambdas', 'standardize', 'max_iter', 'tol']
						   WHEN 'elastic_net' THEN ARRAY['lambda', 'lambdas', 'l1_ratio', 'standardize', 'max_iter', 'tol']
						   WHEN 'logistic' THEN ARRAY['lambda', 'max_iter', 'tol', 'threshold']
					   END)
	ORDER BY k LIMIT 1;
	IF FOUND THEN
		PERFORM mlops._invalid_model(format('Parameter "%s" is not a parameter of algorithm "%s".', v_key, v_algorithm));
	END IF;
	/* the penalised models: the parameters train checks, as train takes them */
	IF v_algorithm IN ('ridge', 'lasso', 'elastic_net') THEN
		IF NOT coalesce(v_params -> 'lambda' = '"auto"' OR mlops._json_float8(v_params -> 'lambda') >= 0, false) THEN
			PERFORM mlops._invalid_model(format('Parameter "lambda" of algorithm "%s" must be a number at least 0 or "auto".',
												v_algorithm));
		END IF;
		IF v_params ? 'lambdas' AND NOT coalesce(jsonb_typeof(v_params -> 'lambdas') = 'array'
				AND jsonb_array_length(v_params -> 'lambdas') BETWEEN 2 AND 1000
				AND (SELECT bool_and(coalesce(mlops._json_float8(e) >= 0, false))
					 FROM jsonb_array_elements(v_params -> 'lambdas') e), false) THEN
			PERFORM mlops._invalid_model('Parameter "lambdas" must be an array of 2 to 1000 numbers at least 0.');
		END IF;
		IF v_params ? 'l1_ratio' AND NOT coalesce(mlops._json_float8(v_params -> 'l1_ratio') > 0
												  AND mlops._json_float8(v_params -> 'l1_ratio') <= 1, false) THEN
			PERFORM mlops._invalid_model('Parameter "l1_ratio" must be a number greater than 0 and at most 1.');
		END IF;
		IF v_params ? 'standardize' AND jsonb_typeof(v_params -> 'standardize') <> 'boolean' THEN
			PERFORM mlops._invalid_model('Parameter "standardize" must be true or false.');
		END IF;
		IF v_params ? 'max_iter' AND NOT coalesce(mlops._json_int8(v_params -> 'max_iter', 1) <= 1000000, false) THEN
			PERFORM mlops._invalid_model('Parameter "max_iter" must be a whole number from 1 to 1000000.');
		END IF;
		IF v_params ? 'tol' AND NOT coalesce(mlops._json_float8(v_params -> 'tol') > 0
											 AND mlops._json_float8(v_params -> 'tol') < 1, false) THEN
			PERFORM mlops._invalid_model('Parameter "tol" must be a number greater than 0 and less than 1.');
		END IF;
	END IF;
	/* logistic: the parameters train checks (the threshold is what predict uses) */
	IF v_algorithm = 'logistic' AND NOT coalesce(
			(NOT v_params ? 'lambda' OR mlops._json_float8(v_params -> 'lambda') BETWEEN 0 AND 'Infinity'::float8 - 1)
			AND (NOT v_params ? 'max_iter' OR mlops._json_int8(v_params -> 'max_iter', 1) <= 10000)
			AND (NOT v_params ? 'tol' OR mlops._json_float8(v_params -> 'tol') > 0 AND mlops._json_float8(v_params -> 'tol') < 1)
			AND (NOT v_params ? 'threshold' OR mlops._json_float8(v_params -> 'threshold') > 0
											   AND mlops._json_float8(v_params -> 'threshold') < 1), false) THEN
		PERFORM mlops._invalid_model('Parameters of algorithm "logistic": "lambda" a number at least 0, "max_iter" a whole number from 1 to 10000, "tol" and "threshold" numbers greater than 0 and less than 1.');
	END IF;
	IF v_params ? 'weights' AND jsonb_typeof(v_params -> 'weights') <> 'string' THEN
		PERFORM mlops._invalid_model('Parameter "weights" must be a string, the name of a column.');
	END IF;
	IF v_params ? 'robust' AND v_params -> 'robust' NOT IN ('"HC0"', '"HC1"', '"HC2"', '"HC3"') THEN
		PERFORM mlops._invalid_model('Parameter "robust" must be "HC0", "HC1", "HC2" or "HC3".');
	END IF;
	IF v_params ? 'intercept' AND v_params -> 'intercept' IS DISTINCT FROM to_jsonb(v_intercept) THEN
		PERFORM mlops._invalid_model('Parameter "intercept" does not agree with key "intercept".');
	END IF;
	v_nulls := coalesce(v_params ->> 'nulls', 'skip');
	IF v_params ? 'nulls' AND v_params -> 'nulls' NOT IN ('"skip"', '"error"', '"impute_mean"') THEN
		PERFORM mlops._invalid_model('Parameter "nulls" must be "skip", "error" or "impute_mean".');
	END IF;
	/* "impute_mean" and the imputed means of the encoding go together */
	SELECT e ->> 'column' INTO v_key FROM jsonb_array_elements(v_encoding) WITH ORDINALITY AS u(e, o)
	WHERE e ->> 'kind' = 'numeric' AND (e ? 'impute') <> (v_nulls = 'impute_mean')
	ORDER BY o LIMIT 1;
	IF FOUND OR (v_nulls = 'impute_mean' AND v_encoding IS NULL AND cardinality(v_features) > 0) THEN
		PERFORM mlops._invalid_model(CASE WHEN v_nulls = 'impute_mean'
										  THEN format('Parameter "nulls" is "impute_mean", but the encoding gives feature "%s" no "impute".',
													  coalesce(v_key, v_features[1]))
										  ELSE format('Feature "%s" has "impute" in the encoding, but parameter "nulls" is not "impute_mean".',
													  v_key) END);
	END IF;
	IF v_params ? 'margin' AND NOT coalesce(mlops._json_float8(v_params -> 'margin') >= 0
											 AND mlops._json_float8(v_params -> 'margin') < 1, false) THEN
		PERFORM mlops._invalid_model('Parameter "margin" must be a number at least 0 and less than 1.');
	END IF;
	IF v_params ? 'incremental_column' AND (jsonb_typeof(v_params -> 'incremental_column') <> 'string'
											OR v_params ->> 'incremental_column' = '') THEN
		PERFORM mlops._invalid_model('Parameter "incremental_column" must be a non-empty string.');
	END IF;
	v_params := v_params || jsonb_build_object('intercept', v_intercept, 'nulls', v_nulls);

	/* ---- provenance ---- */
	v_n_rows := mlops._json_int8(v_doc -> 'n_rows', 0);
	IF v_n_rows IS NULL THEN
		PERFORM mlops._invalid_model('Key "n_rows" must be a whole number, at least 0.');
	END IF;
	v_n_skipped := mlops._json_int8(v_doc -> 'n_skipped', 0);
	IF v_n_skipped IS NULL THEN
		PERFORM mlops._invalid_model('Key "n_skipped" must be a whole number, at least 0.');
	END IF;
	v_fraction := mlops._json_float8(v_doc -> 'test_fraction');
	IF v_fraction IS NULL OR NOT (v_fraction >= 0 AND v_fraction < 1) THEN
		PERFORM mlops._invalid_model('Key "test_fraction" must be a number at least 0 and less than 1.');
	END IF;
	IF jsonb_typeof(v_doc -> 'relation') <> 'string' THEN
		PERFORM mlops._invalid_model('Key "relation" must be a string.');
	END IF;
	IF jsonb_typeof(v_doc -> 'statistics') NOT IN ('object', 'null') THEN
		PERFORM mlops._invalid_model('Key "statistics" must be an object or null.');
	END IF;
	IF jsonb_typeof(v_doc -> 'version') <> 'null' AND mlops._json_int8(v_doc -> 'version', 1) IS NULL THEN
		PERFORM mlops._invalid_model('Key "version" must be a whole number, at least 1, or null.');
	END IF;
	IF jsonb_typeof(v_doc -> 'project') NOT IN ('string', 'null') THEN
		PERFORM mlops._invalid_model('Key "project" must be a string or null.');
	END IF;
	IF jsonb_typeof(v_doc -> 'trained_at') <> 'null' THEN
		IF jsonb_typeof(v_doc -> 'trained_at') <> 'string' THEN
			PERFORM mlops._invalid_model('Key "trained_at" must be a timestamp with time zone, as a string, or null.');
		END IF;
		BEGIN
			v_trained_at := (v_doc ->> 'trained_at')::timestamptz;
		EXCEPTION WHEN data_exception THEN
			PERFORM mlops._invalid_model(format('Key "trained_at" is %s, not a timestamp with time zone.',
												v_doc -> 'trained_at'));
		END;
	END IF;

	/* ---- the fit state, when there is one ---- */
	IF jsonb_typeof(v_doc -> 'state') NOT IN ('string', 'null') THEN
		PERFORM mlops._invalid_model('Key "state" must be the text form of an mlops.fitstate, or null.');
	END IF;
	IF jsonb_typeof(v_doc -> 'state') = 'string' THEN
		BEGIN
			v_state := (v_doc ->> 'state')::mlops.fitstate;
		EXCEPTION WHEN invalid_text_representation THEN
			PERFORM mlops._invalid_model('Key "state" is not a valid mlops.fitstate: ' || SQLERRM || '.');
		END;
		v_state_cols := (mlops.fitstate_counts(v_state)).ncols;
		IF v_state_cols <> v_ncoef THEN
			PERFORM mlops._invalid_model(format('Key "state" has %s columns, but the model has %s coefficients.',
												v_state_cols, v_ncoef));
		END IF;
	END IF;

	/* ---- metrics: {"train": {"n": ..., "rmse": ...}, "test": {...}, "eval": {...}} ---- */
	IF jsonb_typeof(v_doc -> 'metrics') NOT IN ('object', 'null') THEN
		PERFORM mlops._invalid_model('Key "metrics" must be an object or null.');
	END IF;
	IF jsonb_typeof(v_doc -> 'metrics') = 'object' THEN
		FOR v_split IN SELECT s.key, s.value FROM jsonb_each(v_doc -> 'metrics') s ORDER BY s.key LOOP
			IF v_split.key NOT IN ('train', 'test', 'eval', 'cv') OR jsonb_typeof(v_split.value) <> 'object' THEN
				PERFORM mlops._invalid_model(format('Key "metrics" may hold objects "train", "test", "eval" and "cv", not %s.',
													to_jsonb(v_split.key)));
			END IF;
			FOR v_fig IN SELECT f.key, f.value FROM jsonb_each(v_split.value) f ORDER BY f.key LOOP
				IF v_split.key = 'cv' AND (v_fig.key NOT IN ('folds', 'rmse_mean', 'rmse_sd', 'r2_mean', 'r2_sd')
					OR (jsonb_typeof(v_fig.value) <> 'null' AND mlops._json_float8(v_fig.value) IS NULL)) THEN
					PERFORM mlops._invalid_model(format('Metric "%s" of split "cv" must be one of folds, rmse_mean, rmse_sd, r2_mean and r2_sd, with a number or null.',
														v_fig.key));
				END IF;
				IF v_split.key <> 'cv' AND (NOT v_fig.key = ANY (CASE WHEN v_algorithm = 'logistic'
						THEN ARRAY['n', 'accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss']
						ELSE ARRAY['n', 'rmse', 'mae', 'r2'] END)
				   OR (jsonb_typeof(v_fig.value) <> 'null' AND mlops._json_float8(v_fig.value) IS NULL)) THEN
					PERFORM mlops._invalid_model(format('Metric "%s" of split "%s" must be one of %s, with a number or null.',
														v_fig.key, v_split.key,
														CASE WHEN v_algorithm = 'logistic'
															 THEN 'n, accuracy, precision, recall, f1, roc_auc and log_loss'
															 ELSE 'n, rmse, mae and r2' END));
				END IF;
			END LOOP;
		END LOOP;
	END IF;

	/* ---- registry: a new version, taken under the project lock as train does; not deployed ---- */
	INSERT INTO mlops.projects AS p (name) VALUES (v_project) ON CONFLICT (name) DO NOTHING;
	v_proj := mlops._lock_project(v_project, 'train');
	SELECT coalesce(max(m.version), 0) + 1 INTO v_version
	FROM mlops.models m WHERE m.project_id = v_proj.project_id;

	INSERT INTO mlops.models AS m (project_id, version, algorithm, params, relation, target, features,
								   intercept, coefficients, statistics, state, test_fraction, n_rows, n_skipped,
								   trained_at, encoding)
	VALUES (v_proj.project_id, v_version, v_algorithm, v_params, v_doc ->> 'relation', v_doc ->> 'target',
			v_features, v_intercept, v_coef, nullif(v_doc -> 'statistics', 'null'), v_state, v_fraction,
			v_n_rows, v_n_skipped, coalesce(v_trained_at, now()), v_encoding)
	RETURNING m.model_id INTO v_model_id;

	IF jsonb_typeof(v_doc -> 'metrics') = 'object' THEN
		INSERT INTO mlops.metrics (model_id, split, metric, value)
		SELECT v_model_id, s.key, f.key, mlops._json_float8(f.value)
		FROM jsonb_each(v_doc -> 'metrics') s, jsonb_each(s.value) f;
	END IF;
	RETURN v_model_id;
END;
$import$;
COMMENT ON FUNCTION mlops.import_model(text, jsonb) IS
	'checks a document written by mlops.export_model and records it as a new version of a project (created if needed), without deploying it; returns the model_id';

/* ---- tags ---- */

CREATE TABLE mlops.model_tags (
	model_id bigint NOT NULL REFERENCES mlops.models ON DELETE CASCADE,
	key text NOT NULL CHECK (key <> ''),
	value text NOT NULL,
	tagged_at timestamptz NOT NULL DEFAULT now(),
	tagged_by name NOT NULL DEFAULT current_user,
	PRIMARY KEY (model_id, key)
);
COMMENT ON TABLE mlops.model_tags IS 'free-form labels on models, one value per model and key, set with mlops.tag_model';
COMMENT ON COLUMN mlops.model_tags.model_id IS 'model the tag is on';
COMMENT ON COLUMN mlops.model_tags.key IS 'name of the tag, for example stage or ticket';
COMMENT ON COLUMN mlops.model_tags.value IS 'value of the tag';
COMMENT ON COLUMN mlops.model_tags.tagged_at IS 'when the tag was last set';
COMMENT ON COLUMN mlops.model_tags.tagged_by IS 'role that last set the tag';
SELECT pg_catalog.pg_extension_config_dump('mlops.model_tags', '');

CREATE FUNCTION mlops.tag_model(model_id bigint, key text, value text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	IF $1 IS NULL OR $2 IS NULL THEN
		RAISE EXCEPTION 'model_id and key must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF $2 = '' THEN
		RAISE EXCEPTION 'tag key must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM mlops._require(p.name, 'train', current_user)
	FROM mlops.models m JOIN mlops.projects p USING (project_id) WHERE m.model_id = $1;
	IF NOT EXISTS (SELECT 1 FROM mlops.models m WHERE m.model_id = $1) THEN
		RAISE EXCEPTION 'model % does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	IF $3 IS NULL THEN
		DELETE FROM mlops.model_tags t WHERE t.model_id = $1 AND t.key = $2;
	ELSE
		INSERT INTO mlops.model_tags AS t (model_id, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (model_id, key)
		DO UPDATE SET value = EXCLUDED.value, tagged_at = now(), tagged_by = current_user;
	END IF;
END;
$$;
COMMENT ON FUNCTION mlops.tag_model(bigint, text, text) IS
	'sets the tag key of a model to value (replacing an earlier value); a NULL value removes the tag';

/* ---- leaderboard ---- */

CREATE VIEW mlops.leaderboard AS
SELECT
	p.name AS project,
	m.version,
	m.model_id,
	m.algorithm,
	r.test_rmse,
	r.test_mae,
	r.test_r2,
	r.train_rmse,
	r.eval_rmse,
	coalesce(d.model_id = m.model_id, false) AS deployed,
	m.trained_at,
	m.trained_by,
	r.test_log_loss,
	r.test_roc_auc,
	r.test_accuracy
FROM mlops.models m
JOIN mlops.projects p ON p.project_id = m.project_id
LEFT JOIN mlops.deployed_models d ON d.project_id = m.project_id
LEFT JOIN LATERAL (
	SELECT
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'rmse') AS test_rmse,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'mae') AS test_mae,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'r2') AS test_r2,
		max(x.value) FILTER (WHERE x.split = 'train' AND x.metric = 'rmse') AS train_rmse,
		max(x.value) FILTER (WHERE x.split = 'eval' AND x.metric = 'rmse') AS eval_rmse,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'log_loss') AS test_log_loss,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'roc_auc') AS test_roc_auc,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'accuracy') AS test_accuracy
	FROM mlops.metrics x
	WHERE x.model_id = m.model_id
) r ON true;
COMMENT ON VIEW mlops.leaderboard IS 'every model of every project with its metrics as columns and whether it is deployed; sort by test_rmse (test_log_loss for logistic models) to rank versions';
COMMENT ON COLUMN mlops.leaderboard.project IS 'name of the project';
COMMENT ON COLUMN mlops.leaderboard.version IS 'version within the project';
COMMENT ON COLUMN mlops.leaderboard.model_id IS 'identifier of the model';
COMMENT ON COLUMN mlops.leaderboard.algorithm IS 'algorithm of the model';
COMMENT ON COLUMN mlops.leaderboard.test_rmse IS 'RMSE on the hold-out (test) split; NULL without one';
COMMENT ON COLUMN mlops.leaderboard.test_mae IS 'mean absolute error on the hold-out (test) split; NULL without one';
COMMENT ON COLUMN mlops.leaderboard.test_r2 IS 'R² on the hold-out (test) split; NULL without one or when undefined';
COMMENT ON COLUMN mlops.leaderboard.train_rmse IS 'RMSE on the training split';
COMMENT ON COLUMN mlops.leaderboard.eval_rmse IS 'RMSE of the latest mlops.evaluate of the model; NULL if never evaluated';
COMMENT ON COLUMN mlops.leaderboard.deployed IS 'whether the model serves the predictions of its project now (per mlops.deployed_models)';
COMMENT ON COLUMN mlops.leaderboard.trained_at IS 'when the model was trained';
COMMENT ON COLUMN mlops.leaderboard.trained_by IS 'role that trained (or imported) the model';
COMMENT ON COLUMN mlops.leaderboard.test_log_loss IS 'logistic models: log loss on the hold-out (test) split';
COMMENT ON COLUMN mlops.leaderboard.test_roc_auc IS 'logistic models: area under the ROC curve on the hold-out (test) split';
COMMENT ON COLUMN mlops.leaderboard.test_accuracy IS 'logistic models: share of hold-out (test) rows classified right at the model''s threshold';

GRANT SELECT ON mlops.model_tags, mlops.leaderboard TO PUBLIC;

/* ======================== end of Life cycle block ======================== */

/* ------------------------------------------------------------------------
 * Monitoring: baselines stored with every model at training, per-statement
 * summaries of the rows written to monitored tables, drift statistics and
 * alerts.
 * ------------------------------------------------------------------------ */

CREATE TABLE mlops.baselines (
	model_id bigint NOT NULL REFERENCES mlops.models ON DELETE CASCADE,
	ordinal integer NOT NULL CHECK (ordinal >= 0),
	feature text NOT NULL,
	n bigint NOT NULL,
	n_null bigint NOT NULL,
	mean float8,
	sd float8,
	min float8,
	max float8,
	edges float8[] NOT NULL,
	counts bigint[] NOT NULL,
	PRIMARY KEY (model_id, ordinal),
	CHECK (cardinality(counts) = cardinality(edges) + 1)
);
COMMENT ON TABLE mlops.baselines IS 'distribution of every feature and of the prediction over the training rows of a model, the reference for drift';
COMMENT ON COLUMN mlops.baselines.model_id IS 'model the baseline belongs to';
COMMENT ON COLUMN mlops.baselines.ordinal IS 'position of the feature in the model''s features (1 = the first), 0 for the prediction';
COMMENT ON COLUMN mlops.baselines.feature IS 'name of the feature column, or (prediction)';
COMMENT ON COLUMN mlops.baselines.n IS 'training rows with a value (not NULL)';
COMMENT ON COLUMN mlops.baselines.n_null IS 'training rows where the value is NULL';
COMMENT ON COLUMN mlops.baselines.mean IS 'mean of the values';
COMMENT ON COLUMN mlops.baselines.sd IS 'sample standard deviation of the values';
COMMENT ON COLUMN mlops.baselines.min IS 'smallest value';
COMMENT ON COLUMN mlops.baselines.max IS 'largest value';
COMMENT ON COLUMN mlops.baselines.edges IS 'the k - 1 inner bin edges, ascending (quantiles of the training values); bin b holds the values v with exactly b edges <= v';
COMMENT ON COLUMN mlops.baselines.counts IS 'training values in each of the k bins';
SELECT pg_catalog.pg_extension_config_dump('mlops.baselines', '');
/* the drift triggers cache baselines: a change reaches every session as the registry's do */
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE ON mlops.baselines
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed_truncate AFTER TRUNCATE ON mlops.baselines
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();

/* No foreign keys: concurrent writers append here without locking a shared row. */
CREATE TABLE mlops.drift_log (
	log_id bigserial NOT NULL,
	project_id bigint NOT NULL,
	model_id bigint NOT NULL,
	relation text NOT NULL,
	logged_at timestamptz NOT NULL,
	compacted boolean NOT NULL DEFAULT false,
	statements bigint NOT NULL DEFAULT 1,
	n_rows bigint NOT NULL,
	bins integer NOT NULL,
	n bigint[] NOT NULL,
	n_null bigint[] NOT NULL,
	sums float8[] NOT NULL,
	sumsq float8[] NOT NULL,
	below bigint[] NOT NULL,
	above bigint[] NOT NULL,
	counts bigint[] NOT NULL,
	err_n bigint NOT NULL DEFAULT 0,
	err_sse float8 NOT NULL DEFAULT 0,
	err_sae float8 NOT NULL DEFAULT 0,
	xact bigint NOT NULL DEFAULT pg_catalog.pg_current_xact_id()::text::bigint,
	/* led by the transaction: what mlops.check_drift looks up (one B-tree, not two, for each INSERT) */
	PRIMARY KEY (xact, log_id)
);
/*
 * mlops.check_drift finds the summaries of the transactions that ended since
 * its last run by the primary key; mlops.drift finds those since a time with a
 * BRIN index, as summaries are appended in the order of time (a B-tree would
 * cost each single-row statement about 2% more).
 */
CREATE INDEX ON mlops.drift_log USING brin (logged_at) WITH (autosummarize = on);
COMMENT ON TABLE mlops.drift_log IS 'one row per statement that wrote rows into a monitored table (or per day, once compacted): counts against the deployed model''s baseline bins; arrays are indexed by baseline ordinal + 1 (element 1 is the prediction)';
COMMENT ON COLUMN mlops.drift_log.log_id IS 'identifier of the summary';
COMMENT ON COLUMN mlops.drift_log.project_id IS 'project whose deployed model the rows were compared with';
COMMENT ON COLUMN mlops.drift_log.model_id IS 'the deployed model whose baseline binned the rows';
COMMENT ON COLUMN mlops.drift_log.relation IS 'the monitored table';
COMMENT ON COLUMN mlops.drift_log.logged_at IS 'when the statement ran (the start of the UTC day for compacted rows)';
COMMENT ON COLUMN mlops.drift_log.compacted IS 'whether the row sums a day of summaries (mlops.compact_drift)';
COMMENT ON COLUMN mlops.drift_log.statements IS 'statements summed in the row';
COMMENT ON COLUMN mlops.drift_log.n_rows IS 'rows written';
COMMENT ON COLUMN mlops.drift_log.bins IS 'bins of the prediction''s baseline (k; every numeric feature has as many, a categorical one one per level and one for other values)';
COMMENT ON COLUMN mlops.drift_log.n IS 'values that were not NULL, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.n_null IS 'NULL values, per baseline ordinal (for the prediction: rows with a NULL feature)';
COMMENT ON COLUMN mlops.drift_log.sums IS 'sum of the values, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.sumsq IS 'sum of the squared values, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.below IS 'values below the training minimum, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.above IS 'values above the training maximum, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.counts IS 'values per bin of each ordinal, in the order of the ordinals, each with as many elements as its baseline has bins: element ordinal * bins + b + 1 when every ordinal has bins bins';
COMMENT ON COLUMN mlops.drift_log.err_n IS 'rows whose target was present and not NULL, with a prediction';
COMMENT ON COLUMN mlops.drift_log.err_sse IS 'sum of squared prediction errors over those rows';
COMMENT ON COLUMN mlops.drift_log.err_sae IS 'sum of absolute prediction errors over those rows';
COMMENT ON COLUMN mlops.drift_log.xact IS 'transaction that wrote the row, as pg_current_xact_id() (mlops.check_drift adds each summary to mlops.drift_totals once, after that transaction ended)';
SELECT pg_catalog.pg_extension_config_dump('mlops.drift_log', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.drift_log_log_id_seq', '');

CREATE TABLE mlops.monitors (
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	relation text NOT NULL,
	trigger_name name NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by name NOT NULL DEFAULT current_user,
	PRIMARY KEY (project_id, relation)
);
COMMENT ON TABLE mlops.monitors IS 'tables watched for drift, one row per project and table (mlops.monitor)';
COMMENT ON COLUMN mlops.monitors.project_id IS 'project whose deployed model the table''s new rows are compared with';
COMMENT ON COLUMN mlops.monitors.relation IS 'the monitored table, schema-qualified';
COMMENT ON COLUMN mlops.monitors.trigger_name IS 'the statement trigger on the table that logs the summaries';
COMMENT ON COLUMN mlops.monitors.created_at IS 'when monitoring started';
COMMENT ON COLUMN mlops.monitors.created_by IS 'role that started it';
SELECT pg_catalog.pg_extension_config_dump('mlops.monitors', '');

CREATE TABLE mlops.alerts (
	alert_id bigserial PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	model_id bigint NOT NULL,
	feature text NOT NULL,
	window_start timestamptz NOT NULL,
	raised_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	psi float8,
	n_live bigint,
	UNIQUE (project_id, model_id, feature, window_start)
);
COMMENT ON TABLE mlops.alerts IS 'the first time in a window (mlops.drift_window) that a feature of a project crossed mlops.drift_psi_alert against the baseline of the deployed model; one row per project, model, feature and window';
COMMENT ON COLUMN mlops.alerts.alert_id IS 'identifier of the alert';
COMMENT ON COLUMN mlops.alerts.project_id IS 'project of the drifting feature';
COMMENT ON COLUMN mlops.alerts.model_id IS 'deployed model whose baseline the feature drifted from';
COMMENT ON COLUMN mlops.alerts.feature IS 'the feature, or (prediction)';
COMMENT ON COLUMN mlops.alerts.window_start IS 'start of the window, a multiple of mlops.drift_window since the Unix epoch';
COMMENT ON COLUMN mlops.alerts.raised_at IS 'when the alert was raised';
COMMENT ON COLUMN mlops.alerts.psi IS 'population stability index when it was raised';
COMMENT ON COLUMN mlops.alerts.n_live IS 'live values in the window when it was raised';
SELECT pg_catalog.pg_extension_config_dump('mlops.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.alerts_alert_id_seq', '');

/*
 * The running sums of the current alert window, so that a drift check costs
 * the summaries logged since the previous check, not every summary of the
 * window.  mlops.check_drift keeps them; nothing else writes them.
 */
CREATE TABLE mlops.drift_totals (
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	model_id bigint NOT NULL,
	window_start timestamptz NOT NULL,
	statements bigint NOT NULL,
	n_rows bigint NOT NULL,
	n bigint[] NOT NULL,
	n_null bigint[] NOT NULL,
	sums float8[] NOT NULL,
	sumsq float8[] NOT NULL,
	below bigint[] NOT NULL,
	above bigint[] NOT NULL,
	counts bigint[] NOT NULL,
	err_n bigint NOT NULL,
	err_sse float8 NOT NULL,
	err_sae float8 NOT NULL,
	PRIMARY KEY (project_id, model_id, window_start)
);
COMMENT ON TABLE mlops.drift_totals IS 'sums of the mlops.drift_log summaries of the current alert window per project and model, as far as mlops.check_drift has added them (the columns are those of mlops.drift_log)';
COMMENT ON COLUMN mlops.drift_totals.project_id IS 'project of the summaries';
COMMENT ON COLUMN mlops.drift_totals.model_id IS 'deployed model whose baseline binned the rows';
COMMENT ON COLUMN mlops.drift_totals.window_start IS 'start of the alert window the summaries were logged in';
COMMENT ON COLUMN mlops.drift_totals.statements IS 'statements summed';
COMMENT ON COLUMN mlops.drift_totals.n_rows IS 'rows written by them';
COMMENT ON COLUMN mlops.drift_totals.n IS 'values that were not NULL, per baseline ordinal, summed as in mlops.drift_log.n';
COMMENT ON COLUMN mlops.drift_totals.n_null IS 'NULL values, per baseline ordinal, summed as in mlops.drift_log.n_null';
COMMENT ON COLUMN mlops.drift_totals.sums IS 'sum of the values, per baseline ordinal, summed as in mlops.drift_log.sums';
COMMENT ON COLUMN mlops.drift_totals.sumsq IS 'sum of the squared values, per baseline ordinal, summed as in mlops.drift_log.sumsq';
COMMENT ON COLUMN mlops.drift_totals.below IS 'values below the training minimum, per baseline ordinal, summed as in mlops.drift_log.below';
COMMENT ON COLUMN mlops.drift_totals.above IS 'values above the training maximum, per baseline ordinal, summed as in mlops.drift_log.above';
COMMENT ON COLUMN mlops.drift_totals.counts IS 'values per bin, flattened by ordinal, summed as in mlops.drift_log.counts';
COMMENT ON COLUMN mlops.drift_totals.err_n IS 'rows with a target and a prediction, summed as in mlops.drift_log.err_n';
COMMENT ON COLUMN mlops.drift_totals.err_sse IS 'sum of squared prediction errors, summed as in mlops.drift_log.err_sse';
COMMENT ON COLUMN mlops.drift_totals.err_sae IS 'sum of absolute prediction errors, summed as in mlops.drift_log.err_sae';

CREATE TABLE mlops.drift_checks (
	project_id bigint PRIMARY KEY REFERENCES mlops.projects ON DELETE CASCADE,
	horizon pg_catalog.pg_snapshot,
	checked_at timestamptz
);
COMMENT ON TABLE mlops.drift_checks IS 'per project, how far mlops.check_drift has added mlops.drift_log to mlops.drift_totals; its row lock lets one session at a time check a project';
COMMENT ON COLUMN mlops.drift_checks.project_id IS 'the project';
COMMENT ON COLUMN mlops.drift_checks.horizon IS 'the snapshot of the last check: the summaries of the transactions that had ended by then are in mlops.drift_totals (the checking transaction counts as running)';
COMMENT ON COLUMN mlops.drift_checks.checked_at IS 'when the project was last checked';

GRANT SELECT ON mlops.baselines, mlops.drift_log, mlops.monitors, mlops.alerts, mlops.drift_totals,
	mlops.drift_checks TO PUBLIC;

CREATE FUNCTION mlops.vec_add(bigint[], bigint[]) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'mlops_vec_add_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.vec_add(bigint[], bigint[]) IS 'element-wise sum of two arrays of the same length';
CREATE FUNCTION mlops.vec_add(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'mlops_vec_add_float8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.vec_add(float8[], float8[]) IS 'element-wise sum of two arrays of the same length';
CREATE AGGREGATE mlops.vec_sum(bigint[]) (
	SFUNC = mlops.vec_add,
	STYPE = bigint[],
	COMBINEFUNC = mlops.vec_add,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.vec_sum(bigint[]) IS 'element-wise sum of arrays of the same length (NULL arrays are left out)';
CREATE AGGREGATE mlops.vec_sum(float8[]) (
	SFUNC = mlops.vec_add,
	STYPE = float8[],
	COMBINEFUNC = mlops.vec_add,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.vec_sum(float8[]) IS 'element-wise sum of arrays of the same length (NULL arrays are left out)';

CREATE FUNCTION mlops.bin_counts_accum(bigint[], float8[], float8) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'mlops_bin_counts_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.bin_counts_accum(bigint[], float8[], float8) IS
	'transition function of mlops.bin_counts';
CREATE FUNCTION mlops.bin_counts_combine(bigint[], bigint[]) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'mlops_bin_counts_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.bin_counts_combine(bigint[], bigint[]) IS
	'combine function of mlops.bin_counts';
CREATE AGGREGATE mlops.bin_counts(edges float8[], value float8) (
	SFUNC = mlops.bin_counts_accum,
	STYPE = bigint[],
	COMBINEFUNC = mlops.bin_counts_combine,
	PARALLEL = SAFE
);
CREATE FUNCTION mlops.baseline_stats_accum(float8[], float8[], float8[], boolean, VARIADIC "any") RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_baseline_stats_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.baseline_stats_accum(float8[], float8[], float8[], boolean, VARIADIC "any") IS
	'transition function of mlops.baseline_stats(edges, coef, intercept, x1, ..., xp)';
CREATE FUNCTION mlops.baseline_stats_accum(float8[], float8[], float8[], boolean, float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_baseline_stats_accum_array'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.baseline_stats_accum(float8[], float8[], float8[], boolean, float8[]) IS
	'transition function of mlops.baseline_stats(edges, coef, intercept, x)';
CREATE FUNCTION mlops.baseline_stats_combine(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_baseline_stats_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.baseline_stats_combine(float8[], float8[]) IS
	'combine function of mlops.baseline_stats';
CREATE FUNCTION mlops.baseline_stats_final(float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'mlops_baseline_stats_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.baseline_stats_final(float8[]) IS
	'final function of mlops.baseline_stats';
CREATE AGGREGATE mlops.baseline_stats(edges float8[], coef float8[], intercept boolean, VARIADIC "any") (
	SFUNC = mlops.baseline_stats_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.baseline_stats_combine,
	FINALFUNC = mlops.baseline_stats_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.baseline_stats(float8[], float8[], boolean, VARIADIC "any") IS
	'the baselines of a model in one aggregate: for the prediction coef . x (row 1) and every x column that is not the intercept, a row of n, n_null, mean, sd, min, max and the counts per bin of edges (float8[ordinals][bins - 1]); x are float8 arguments as in the fit';
CREATE AGGREGATE mlops.baseline_stats(edges float8[], coef float8[], intercept boolean, x float8[]) (
	SFUNC = mlops.baseline_stats_accum,
	STYPE = float8[],
	COMBINEFUNC = mlops.baseline_stats_combine,
	FINALFUNC = mlops.baseline_stats_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.baseline_stats(float8[], float8[], boolean, float8[]) IS
	'mlops.baseline_stats for x given as an array';
COMMENT ON AGGREGATE mlops.bin_counts(float8[], float8) IS
	'values per bin of the ascending inner edges (k - 1 edges, k bins; bin b holds the values with exactly b edges <= value); NULL values are not counted';

/* (not SECURITY DEFINER: it takes its owner's identity itself, see src/drift.c) */
CREATE FUNCTION mlops.drift_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'mlops_drift_trigger'
	LANGUAGE C;
COMMENT ON FUNCTION mlops.drift_trigger() IS
	'statement trigger of a monitored table (installed by mlops.monitor): bins the new rows against the baseline of the project''s deployed model and logs one summary row in mlops.drift_log';
REVOKE ALL ON FUNCTION mlops.drift_trigger() FROM PUBLIC;

CREATE FUNCTION mlops._qualified_name(p_rel regclass) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('%I.%I', n.nspname, c.relname)
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.oid = p_rel;
$$;
COMMENT ON FUNCTION mlops._qualified_name(regclass) IS 'internal: the schema-qualified, quoted name of a relation';

CREATE FUNCTION mlops._monitor_live(p_relation text, p_trigger name) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
				   WHERE t.tgrelid = to_regclass(p_relation) AND t.tgname = p_trigger)
$$;
COMMENT ON FUNCTION mlops._monitor_live(text, name) IS
	'internal: whether a row of mlops.monitors still names a table that has its trigger (not dropped, not renamed)';

CREATE FUNCTION mlops._drift_trigger_name(p_project_id bigint) RETURNS name
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT ('mlops_drift_' || p_project_id)::name $$;
COMMENT ON FUNCTION mlops._drift_trigger_name(bigint) IS 'internal: the name of the drift trigger of a project';

CREATE FUNCTION mlops.monitor(project text, relation regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
	v_model bigint;
	v_missing text;
	v_relname text;
BEGIN
	IF $1 IS NULL OR $2 IS NULL THEN
		RAISE EXCEPTION 'project and relation must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	p := mlops._lock_project($1);
	v_relname := mlops._relname($2);
	IF v_relname IS NULL THEN
		RAISE EXCEPTION 'relation with OID % does not exist', $2::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = $2) NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', v_relname
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Monitor the table the rows are inserted into.';
	END IF;
	SELECT d.model_id INTO v_model FROM mlops.deployed_models d WHERE d.project_id = p.project_id;
	IF v_model IS NULL THEN
		RAISE EXCEPTION 'project "%" has no deployed model to compare rows with', $1
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Train and deploy a model first.';
	END IF;
	SELECT f INTO v_missing FROM mlops.models m, unnest(m.features) f
	WHERE m.model_id = v_model
	  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
					  WHERE a.attrelid = $2 AND a.attname = f AND a.attnum > 0 AND NOT a.attisdropped)
	LIMIT 1;
	IF v_missing IS NOT NULL THEN
		RAISE EXCEPTION 'table "%" has no column "%", a feature of the deployed model of project "%"',
			v_relname, v_missing, $1
			USING ERRCODE = 'undefined_column';
	END IF;
	PERFORM mlops._check_model_columns($2, m.features, m.encoding)
	FROM mlops.models m WHERE m.model_id = v_model;
	IF NOT EXISTS (SELECT 1 FROM mlops.baselines b WHERE b.model_id = v_model) THEN
		RAISE EXCEPTION 'the deployed model of project "%" has no baselines to compare rows with', $1
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Imported models have none.',
				  HINT = 'Retrain the project, or deploy a model trained here.';
	END IF;
	IF EXISTS (SELECT 1 FROM mlops.monitors m
			   WHERE m.project_id = p.project_id AND m.relation = mlops._qualified_name($2)
				 AND mlops._monitor_live(m.relation, m.trigger_name)) THEN
		RAISE EXCEPTION 'table "%" is already monitored for project "%"', v_relname, $1
			USING ERRCODE = 'duplicate_object';
	END IF;
	/* rows of tables dropped or renamed since they were monitored */
	DELETE FROM mlops.monitors m
	WHERE m.project_id = p.project_id AND NOT mlops._monitor_live(m.relation, m.trigger_name);
	/* a renamed table keeps its trigger: only its row is written again, under the new name */
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
				   WHERE t.tgrelid = $2 AND t.tgname = mlops._drift_trigger_name(p.project_id)) THEN
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS mlops_new '
					   'FOR EACH STATEMENT EXECUTE FUNCTION mlops.drift_trigger(%L)',
					   mlops._drift_trigger_name(p.project_id), $2, $1);
	END IF;
	INSERT INTO mlops.monitors (project_id, relation, trigger_name)
	VALUES (p.project_id, mlops._qualified_name($2), mlops._drift_trigger_name(p.project_id));
END;
$$;
COMMENT ON FUNCTION mlops.monitor(text, regclass) IS
	'starts monitoring a table: a statement trigger logs, for every INSERT or COPY, one summary of the new rows against the baseline of the project''s deployed model';

CREATE FUNCTION mlops.unmonitor(project text, relation regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
	v_relname text;
BEGIN
	IF $1 IS NULL OR $2 IS NULL THEN
		RAISE EXCEPTION 'project and relation must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	p := mlops._lock_project($1);
	v_relname := mlops._relname($2);
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
				   WHERE t.tgrelid = $2 AND t.tgname = mlops._drift_trigger_name(p.project_id)) THEN
		RAISE EXCEPTION 'table "%" is not monitored for project "%"', v_relname, $1
			USING ERRCODE = 'undefined_object';
	END IF;
	EXECUTE format('DROP TRIGGER %I ON %s', mlops._drift_trigger_name(p.project_id), $2);
	DELETE FROM mlops.monitors m
	WHERE m.project_id = p.project_id
	  AND (m.relation = mlops._qualified_name($2) OR NOT mlops._monitor_live(m.relation, m.trigger_name));
END;
$$;
COMMENT ON FUNCTION mlops.unmonitor(text, regclass) IS
	'stops monitoring a table for a project (drops its trigger; the logged summaries stay)';

CREATE FUNCTION mlops._drift_window() RETURNS float8
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT greatest(coalesce(extract(epoch FROM nullif(current_setting('mlops.drift_window', true), '')::interval)::float8,
							 3600), 1)
$$;
COMMENT ON FUNCTION mlops._drift_window() IS 'internal: mlops.drift_window in seconds';

CREATE FUNCTION mlops._drift_window_start(p_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT to_timestamp(floor(extract(epoch FROM p_at) / mlops._drift_window()) * mlops._drift_window())
$$;
COMMENT ON FUNCTION mlops._drift_window_start(timestamptz) IS
	'internal: start of the alert window (a multiple of mlops.drift_window seconds since the Unix epoch) that holds a time';

CREATE FUNCTION mlops._ended_before() RETURNS pg_catalog.pg_snapshot
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	/* the current snapshot, with this transaction counted as running (a snapshot leaves it out) */
	SELECT CASE WHEN x IS NULL OR x >= pg_snapshot_xmax(s) THEN s
				ELSE format('%s:%s:%s', least(pg_snapshot_xmin(s), x), pg_snapshot_xmax(s),
							(SELECT string_agg(v::text, ',' ORDER BY v)
							 FROM (SELECT pg_snapshot_xip(s) UNION SELECT x) u(v)))::pg_snapshot END
	FROM (SELECT pg_current_snapshot() AS s, pg_current_xact_id_if_assigned() AS x) a
$$;
COMMENT ON FUNCTION mlops._ended_before() IS
	'internal: the current snapshot with the current transaction among the running ones: the transactions it shows as ended had ended before it was taken';

CREATE FUNCTION mlops._drift_stats(p_model bigint, p_n bigint[], p_n_null bigint[], p_sums float8[],
									p_below bigint[], p_above bigint[], p_counts bigint[],
									p_err_n bigint, p_err_sse float8)
RETURNS TABLE (feature text, n_live bigint, psi float8, ks float8, mean_shift float8,
			   null_rate_live float8, null_rate_base float8, out_of_range float8, status text,
			   rmse_live float8, rmse_base float8, model_id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH bins AS (
		/* baseline and live counts per bin; shares with additive smoothing for the PSI */
		SELECT b.ordinal, g.i - 1 AS bin, g.base_c,
			   coalesce(p_counts[b.off + g.i], 0) AS live_c,
			   b.n AS base_n, coalesce(p_n[b.ordinal + 1], 0) AS live_n, cardinality(b.counts) AS k
		FROM (SELECT bb.ordinal, bb.n, bb.counts,
					 /* the counts of each ordinal follow those of the ordinals before it */
					 coalesce(sum(cardinality(bb.counts)) OVER (ORDER BY bb.ordinal ROWS BETWEEN UNBOUNDED PRECEDING
																AND 1 PRECEDING), 0) AS off
			  FROM mlops.baselines bb WHERE bb.model_id = p_model) b
		CROSS JOIN LATERAL unnest(b.counts) WITH ORDINALITY AS g(base_c, i)
	),
	stats AS (
		SELECT x.ordinal,
			   sum((pl - pb) * ln(pl / pb)) AS psi,
			   max(abs(cl - cb)) AS ks
		FROM (SELECT bins.ordinal,
					 (live_c::float8 + 0.5) / (live_n::float8 + 0.5 * k) AS pl,
					 (base_c::float8 + 0.5) / (base_n::float8 + 0.5 * k) AS pb,
					 (sum(live_c) OVER w)::float8 / nullif(live_n, 0) AS cl,
					 (sum(base_c) OVER w)::float8 / nullif(base_n, 0) AS cb
			  FROM bins
			  WINDOW w AS (PARTITION BY bins.ordinal ORDER BY bins.bin)) x
		GROUP BY x.ordinal
	),
	v AS (
		SELECT coalesce(nullif(current_setting('mlops.drift_psi_warn', true), '')::float8, 0.1) AS warn,
			   coalesce(nullif(current_setting('mlops.drift_psi_alert', true), '')::float8, 0.25) AS alert,
			   coalesce(nullif(current_setting('mlops.drift_min_rows', true), '')::bigint, 1000) AS min_rows
	)
	SELECT q.feature, q.n_live, q.psi, q.ks, q.mean_shift, q.null_rate_live, q.null_rate_base,
		   q.out_of_range, q.status, q.rmse_live, q.rmse_base, q.model_id
	FROM (
	SELECT b.ordinal AS ord, b.feature, coalesce(p_n[b.ordinal + 1], 0) AS n_live,
		   CASE WHEN p_n[b.ordinal + 1] > 0 THEN st.psi END AS psi,
		   CASE WHEN p_n[b.ordinal + 1] > 0 THEN st.ks END AS ks,
		   CASE WHEN p_n[b.ordinal + 1] > 0 AND b.sd > 0
				THEN (p_sums[b.ordinal + 1] / p_n[b.ordinal + 1] - b.mean) / b.sd END AS mean_shift,
		   p_n_null[b.ordinal + 1]::float8 / nullif(p_n[b.ordinal + 1] + p_n_null[b.ordinal + 1], 0) AS null_rate_live,
		   b.n_null::float8 / nullif(b.n + b.n_null, 0) AS null_rate_base,
		   (p_below[b.ordinal + 1] + p_above[b.ordinal + 1])::float8 / nullif(p_n[b.ordinal + 1], 0) AS out_of_range,
		   CASE WHEN coalesce(p_n[b.ordinal + 1], 0) < greatest(v.min_rows, 1) THEN NULL
				WHEN st.psi >= v.alert THEN 'alert' WHEN st.psi >= v.warn THEN 'warn' ELSE 'ok' END AS status,
		   NULL::float8 AS rmse_live, NULL::float8 AS rmse_base, p_model AS model_id
	FROM mlops.baselines b
	JOIN stats st ON st.ordinal = b.ordinal
	CROSS JOIN v
	WHERE b.model_id = p_model
	UNION ALL
	SELECT 2147483647, '(error)', p_err_n, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		   sqrt(p_err_sse / p_err_n), mt.value, p_model
	FROM (SELECT 1) one
	LEFT JOIN mlops.metrics mt ON mt.model_id = p_model AND mt.split = 'train' AND mt.metric = 'rmse'
	WHERE p_err_n > 0
	) q
	ORDER BY q.ord;
$$;
COMMENT ON FUNCTION mlops._drift_stats(bigint, bigint[], bigint[], float8[], bigint[], bigint[], bigint[], bigint, float8) IS
	'internal: the rows of mlops.drift from summed summaries (the arrays of mlops.drift_log) against the baseline of a model';

CREATE FUNCTION mlops.drift(project text, since timestamptz DEFAULT now() - interval '1 day')
RETURNS TABLE (feature text, n_live bigint, psi float8, ks float8, mean_shift float8,
			   null_rate_live float8, null_rate_base float8, out_of_range float8, status text,
			   rmse_live float8, rmse_base float8, model_id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_project_id bigint;
	v_model bigint;
BEGIN
	IF $1 IS NULL THEN
		RAISE EXCEPTION 'project must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT p.project_id INTO v_project_id FROM mlops.projects p WHERE p.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	SELECT d.model_id INTO v_model FROM mlops.deployed_models d WHERE d.project_id = v_project_id;
	IF v_model IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY
	SELECT s.*
	FROM (SELECT mlops.vec_sum(l.n) AS n, mlops.vec_sum(l.n_null) AS n_null, mlops.vec_sum(l.sums) AS sums,
				 mlops.vec_sum(l.below) AS below, mlops.vec_sum(l.above) AS above,
				 mlops.vec_sum(l.counts) AS counts, sum(l.err_n)::bigint AS err_n, sum(l.err_sse) AS err_sse
		  FROM mlops.drift_log l
		  WHERE l.project_id = v_project_id AND l.model_id = v_model
			AND l.logged_at >= coalesce($2, '-infinity')) a,
		 LATERAL mlops._drift_stats(v_model, a.n, a.n_null, a.sums, a.below, a.above, a.counts,
									a.err_n, a.err_sse) s;
END;
$$;
COMMENT ON FUNCTION mlops.drift(text, timestamptz) IS
	'drift of the rows logged since a time against the baseline of the deployed model: per feature (and the prediction) PSI, KS distance on the bin grid, mean shift in baseline standard deviations, NULL rates, share out of the training range and a status; plus the live error when targets arrived';

CREATE FUNCTION mlops.check_drift(project text) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_project_id bigint;
	v_window timestamptz := mlops._drift_window_start(now());
	v_model bigint;
	v_prev pg_catalog.pg_snapshot;
	v_now pg_catalog.pg_snapshot;
	v_prev_xmax bigint;
	v_prev_xip bigint[];
	v_now_xmax bigint;
	v_now_xip bigint[];
	v_raised integer := 0;
	v_id bigint;
	a record;
	r record;
BEGIN
	v_project_id := mlops._require($1, 'train', current_user);
	IF v_project_id IS NULL THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	/* one session at a time: another one checking the project now raises its alerts */
	SELECT c.horizon INTO v_prev FROM mlops.drift_checks c WHERE c.project_id = v_project_id
	FOR UPDATE SKIP LOCKED;
	IF NOT FOUND THEN
		IF EXISTS (SELECT 1 FROM mlops.drift_checks c WHERE c.project_id = v_project_id) THEN
			RETURN 0;
		END IF;
		INSERT INTO mlops.drift_checks (project_id) VALUES (v_project_id) ON CONFLICT DO NOTHING;
		SELECT c.horizon INTO v_prev FROM mlops.drift_checks c WHERE c.project_id = v_project_id
		FOR UPDATE SKIP LOCKED;
		IF NOT FOUND THEN
			RETURN 0;
		END IF;
	END IF;

	/*
	 * Add to the window's totals the summaries of the transactions that ended
	 * between the last check's snapshot and this one: not visible then, visible
	 * now.  Every summary is added once, whatever order the writers commit in;
	 * those of transactions still running (this one too) come next time.  This
	 * snapshot is taken after the lock, so it is later than the last check's.
	 */
	SELECT mlops._ended_before() INTO v_now;
	/* (as numbers, which the BRIN index of mlops.drift_log compares) */
	SELECT pg_catalog.pg_snapshot_xmax(v_prev)::text::bigint,
		   ARRAY(SELECT x::text::bigint FROM pg_catalog.pg_snapshot_xip(v_prev) x),
		   pg_catalog.pg_snapshot_xmax(v_now)::text::bigint,
		   ARRAY(SELECT x::text::bigint FROM pg_catalog.pg_snapshot_xip(v_now) x)
	INTO v_prev_xmax, v_prev_xip, v_now_xmax, v_now_xip;
	DELETE FROM mlops.drift_totals t WHERE t.project_id = v_project_id AND t.window_start < v_window;
	INSERT INTO mlops.drift_totals AS t (project_id, model_id, window_start, statements, n_rows, n, n_null, sums,
										 sumsq, below, above, counts, err_n, err_sse, err_sae)
	SELECT v_project_id, l.model_id, v_window, sum(l.statements), sum(l.n_rows), mlops.vec_sum(l.n),
		   mlops.vec_sum(l.n_null), mlops.vec_sum(l.sums), mlops.vec_sum(l.sumsq), mlops.vec_sum(l.below),
		   mlops.vec_sum(l.above), mlops.vec_sum(l.counts), sum(l.err_n), sum(l.err_sse), sum(l.err_sae)
	FROM mlops.drift_log l
	WHERE l.project_id = v_project_id
	  AND (v_prev IS NULL OR l.xact >= v_prev_xmax OR l.xact = ANY (v_prev_xip))
	  AND l.xact < v_now_xmax AND NOT l.xact = ANY (v_now_xip)
	  AND NOT l.compacted AND l.logged_at >= v_window
	GROUP BY l.model_id
	ON CONFLICT (project_id, model_id, window_start) DO UPDATE
	SET statements = t.statements + excluded.statements, n_rows = t.n_rows + excluded.n_rows,
		n = mlops.vec_add(t.n, excluded.n), n_null = mlops.vec_add(t.n_null, excluded.n_null),
		sums = mlops.vec_add(t.sums, excluded.sums), sumsq = mlops.vec_add(t.sumsq, excluded.sumsq),
		below = mlops.vec_add(t.below, excluded.below), above = mlops.vec_add(t.above, excluded.above),
		counts = mlops.vec_add(t.counts, excluded.counts), err_n = t.err_n + excluded.err_n,
		err_sse = t.err_sse + excluded.err_sse, err_sae = t.err_sae + excluded.err_sae;
	UPDATE mlops.drift_checks c SET horizon = v_now, checked_at = clock_timestamp()
	WHERE c.project_id = v_project_id;

	/* the window so far: its totals and the summaries of this transaction */
	SELECT d.model_id INTO v_model FROM mlops.deployed_models d WHERE d.project_id = v_project_id;
	SELECT mlops.vec_sum(x.n) AS n, mlops.vec_sum(x.n_null) AS n_null, mlops.vec_sum(x.sums) AS sums,
		   mlops.vec_sum(x.below) AS below, mlops.vec_sum(x.above) AS above, mlops.vec_sum(x.counts) AS counts,
		   sum(x.err_n)::bigint AS err_n, sum(x.err_sse) AS err_sse
	INTO a
	FROM (SELECT tt.n, tt.n_null, tt.sums, tt.below, tt.above, tt.counts, tt.err_n, tt.err_sse
		  FROM mlops.drift_totals tt
		  WHERE tt.project_id = v_project_id AND tt.model_id = v_model AND tt.window_start = v_window
		  UNION ALL
		  SELECT l.n, l.n_null, l.sums, l.below, l.above, l.counts, l.err_n, l.err_sse
		  FROM mlops.drift_log l
		  WHERE l.project_id = v_project_id AND l.model_id = v_model
			AND l.xact = pg_catalog.pg_current_xact_id_if_assigned()::text::bigint
			AND NOT l.compacted AND l.logged_at >= v_window) x;
	FOR r IN SELECT * FROM mlops._drift_stats(v_model, a.n, a.n_null, a.sums, a.below, a.above, a.counts,
											   a.err_n, a.err_sse) d
			 WHERE d.status = 'alert' LOOP
		INSERT INTO mlops.alerts (project_id, model_id, feature, window_start, psi, n_live)
		VALUES (v_project_id, r.model_id, r.feature, v_window, r.psi, r.n_live)
		ON CONFLICT (project_id, model_id, feature, window_start) DO NOTHING
		RETURNING alert_id INTO v_id;
		IF FOUND THEN
			v_raised := v_raised + 1;
			PERFORM pg_catalog.pg_notify('mlops_alerts', json_build_object(
				'alert_id', v_id, 'project', $1, 'feature', r.feature, 'model_id', r.model_id,
				'psi', r.psi, 'n_live', r.n_live, 'window_start', v_window)::text);
		END IF;
	END LOOP;
	RETURN v_raised;
END;
$$;
COMMENT ON FUNCTION mlops.check_drift(text) IS
	'raises the alerts of the current window: adds the summaries of the transactions that ended since the last check to mlops.drift_totals, then a row in mlops.alerts and a NOTIFY on channel mlops_alerts for every feature of the project whose PSI passed mlops.drift_psi_alert, once per feature and window; returns how many it raised (0 also when another session is checking the project at that moment; the drift trigger calls it every mlops.drift_check_interval)';

CREATE VIEW mlops.drift_status AS
SELECT mo.project, d.feature, d.n_live, d.psi, d.ks, d.mean_shift, d.null_rate_live, d.null_rate_base,
	   d.out_of_range, d.status, d.rmse_live, d.rmse_base, d.model_id, mo.since
FROM (SELECT DISTINCT p.name AS project,
			 now() - make_interval(secs => mlops._drift_window()) AS since
	  FROM mlops.monitors m JOIN mlops.projects p USING (project_id)
	  WHERE mlops._monitor_live(m.relation, m.trigger_name)) mo,
	 LATERAL mlops.drift(mo.project, mo.since) d;
COMMENT ON VIEW mlops.drift_status IS 'drift of every monitored project over the last mlops.drift_window, per feature, the prediction and the live error: what a dashboard shows';
COMMENT ON COLUMN mlops.drift_status.project IS 'name of the project';
COMMENT ON COLUMN mlops.drift_status.feature IS 'feature, (prediction) or (error)';
COMMENT ON COLUMN mlops.drift_status.n_live IS 'live values (not NULL) in the window';
COMMENT ON COLUMN mlops.drift_status.psi IS 'population stability index on the baseline bins';
COMMENT ON COLUMN mlops.drift_status.ks IS 'largest distance between the baseline and live cumulative shares at the bin edges';
COMMENT ON COLUMN mlops.drift_status.mean_shift IS 'live mean minus baseline mean, in baseline standard deviations';
COMMENT ON COLUMN mlops.drift_status.null_rate_live IS 'share of NULL values among the live rows';
COMMENT ON COLUMN mlops.drift_status.null_rate_base IS 'share of NULL values among the training rows';
COMMENT ON COLUMN mlops.drift_status.out_of_range IS 'share of live values outside the training minimum and maximum';
COMMENT ON COLUMN mlops.drift_status.status IS 'ok, warn (PSI >= mlops.drift_psi_warn) or alert (PSI >= mlops.drift_psi_alert); NULL with fewer live values than mlops.drift_min_rows';
COMMENT ON COLUMN mlops.drift_status.rmse_live IS 'on the (error) row: RMSE of the deployed model on live rows that carried the target';
COMMENT ON COLUMN mlops.drift_status.rmse_base IS 'on the (error) row: the model''s training RMSE';
COMMENT ON COLUMN mlops.drift_status.model_id IS 'the deployed model whose baseline is the reference';
COMMENT ON COLUMN mlops.drift_status.since IS 'start of the window';
GRANT SELECT ON mlops.drift_status TO PUBLIC;

CREATE FUNCTION mlops.compact_drift(older_than interval) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_removed bigint;
BEGIN
	IF $1 IS NULL THEN
		RAISE EXCEPTION 'older_than must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	WITH old AS (
		DELETE FROM mlops.drift_log l WHERE NOT l.compacted AND l.logged_at < now() - $1 RETURNING l.*),
	added AS (
		INSERT INTO mlops.drift_log (project_id, model_id, relation, logged_at, compacted, statements, n_rows, bins,
									 n, n_null, sums, sumsq, below, above, counts, err_n, err_sse, err_sae)
		SELECT c.project_id, c.model_id, c.relation,
			   date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', true,
			   sum(c.statements), sum(c.n_rows), c.bins,
			   mlops.vec_sum(c.n), mlops.vec_sum(c.n_null), mlops.vec_sum(c.sums), mlops.vec_sum(c.sumsq),
			   mlops.vec_sum(c.below), mlops.vec_sum(c.above), mlops.vec_sum(c.counts),
			   sum(c.err_n), sum(c.err_sse), sum(c.err_sae)
		FROM old c
		GROUP BY c.project_id, c.model_id, c.relation, date_trunc('day', c.logged_at AT TIME ZONE 'UTC'), c.bins)
	SELECT count(*) INTO v_removed FROM old;
	RETURN v_removed;
END;
$$;
COMMENT ON FUNCTION mlops.compact_drift(interval) IS
	'rolls the per-statement summaries older than the interval up into one row per project, model, table and day (mlops.drift shows the same figures for whole days); returns how many rows were rolled up';

/* ------------------------------------------------------------------------
 * Privileges: a project belongs to the role that created it (projects.owner);
 * members of that role and superusers may do everything with it, and
 * mlops.grant gives other roles "predict" (see it, predict, export) or "train"
 * (also train, retrain, evaluate, tag).  Row-level security on every registry
 * and monitoring table shows and lets each role write only the rows of the
 * projects it may use; the functions run with the caller's privileges (the
 * drift trigger excepted), so training reads data as the caller.
 * ------------------------------------------------------------------------ */

CREATE TABLE mlops.project_grants (
	project_id bigint NOT NULL REFERENCES mlops.projects ON DELETE CASCADE,
	grantee name NOT NULL,
	privilege text NOT NULL CHECK (privilege IN ('predict', 'train')),
	granted_at timestamptz NOT NULL DEFAULT now(),
	granted_by name NOT NULL DEFAULT current_user,
	PRIMARY KEY (project_id, grantee, privilege)
);
COMMENT ON TABLE mlops.project_grants IS 'privileges on projects given to other roles than the owner (mlops.grant, mlops.revoke)';
COMMENT ON COLUMN mlops.project_grants.project_id IS 'the project';
COMMENT ON COLUMN mlops.project_grants.grantee IS 'role given the privilege (and its members), or public for every role';
COMMENT ON COLUMN mlops.project_grants.privilege IS 'predict (see the project, predict, export) or train (also train, retrain, evaluate, tag, check drift)';
COMMENT ON COLUMN mlops.project_grants.granted_at IS 'when the privilege was given';
COMMENT ON COLUMN mlops.project_grants.granted_by IS 'role that gave it';
SELECT pg_catalog.pg_extension_config_dump('mlops.project_grants', '');
/* a revoke must reach the prediction caches of every session, as a deploy does */
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE ON mlops.project_grants
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();
CREATE TRIGGER registry_changed_truncate AFTER TRUNCATE ON mlops.project_grants
	FOR EACH STATEMENT EXECUTE FUNCTION mlops.registry_changed();

CREATE FUNCTION mlops._may(p_project_id bigint, p_privilege text, p_role name) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = p_role AND r.rolsuper)
		OR EXISTS (
			SELECT 1 FROM mlops.projects p
			WHERE p.project_id = p_project_id
			  AND (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
						   WHERE r.rolname = p.owner AND pg_catalog.pg_has_role(p_role, r.oid, 'MEMBER'))
				   OR (p_privilege IN ('predict', 'train')
					   AND EXISTS (SELECT 1 FROM mlops.project_grants g
								   WHERE g.project_id = p.project_id
									 AND (g.privilege = p_privilege OR (p_privilege = 'predict' AND g.privilege = 'train'))
									 AND (g.grantee = 'public'
										  OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
													 WHERE r.rolname = g.grantee
													   AND pg_catalog.pg_has_role(p_role, r.oid, 'MEMBER')))))))
$$;
COMMENT ON FUNCTION mlops._may(bigint, text, name) IS
	'internal: whether a role may use a project for a privilege: owner (members of the owning role), train or predict; superusers may do everything';

CREATE FUNCTION mlops._may_model(p_model_id bigint, p_privilege text, p_role name) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce((SELECT mlops._may(m.project_id, p_privilege, p_role) FROM mlops.models m
					 WHERE m.model_id = p_model_id), false)
$$;
COMMENT ON FUNCTION mlops._may_model(bigint, text, name) IS
	'internal: mlops._may for the project of a model';

/*
 * The check at the top of the functions: an existing project the caller may
 * not use for the privilege is an error that says so (the rows themselves
 * would only be invisible).  Returns the project id, or NULL when there is no
 * such project.
 */
CREATE FUNCTION mlops._require(p_project text, p_privilege text, p_role name) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
BEGIN
	IF p_project IS NULL THEN
		RAISE EXCEPTION 'project must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO p FROM mlops.projects WHERE name = p_project;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF NOT mlops._may(p.project_id, p_privilege, p_role) THEN
		IF p_privilege = 'owner' THEN
			RAISE EXCEPTION 'permission denied for project "%"', p_project
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('Only members of role "%s", its owner, may do that.', p.owner);
		END IF;
		RAISE EXCEPTION 'permission denied for project "%"', p_project
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('It needs the %s privilege on the project, or membership in role "%s", its owner.',
								  p_privilege, p.owner),
				  HINT = format('The owner can run SELECT mlops.grant(%L, %L, %L).', p_project, p_role, p_privilege);
	END IF;
	RETURN p.project_id;
END;
$$;
COMMENT ON FUNCTION mlops._require(text, text, name) IS
	'internal: raises 42501 unless the role may use the project for the privilege; the project id, or NULL if there is no such project';

CREATE FUNCTION mlops._require_deploy(p_project text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p mlops.projects;
BEGIN
	SELECT * INTO p FROM mlops.projects WHERE name = p_project;
	IF FOUND AND NOT mlops._may(p.project_id, 'owner', current_user) THEN
		RAISE EXCEPTION 'permission denied to deploy a version of project "%"', p_project
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Only members of role "%s", its owner, may deploy.', p.owner),
				  HINT = 'Train with deploy => ''never''.';
	END IF;
END;
$$;
COMMENT ON FUNCTION mlops._require_deploy(text) IS
	'internal: raises 42501 unless the caller owns the project (may deploy its versions)';

CREATE FUNCTION mlops.grant(project text, role name, privilege text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id bigint;
BEGIN
	IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN
		RAISE EXCEPTION 'project, role and privilege must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF $3 NOT IN ('predict', 'train') THEN
		RAISE EXCEPTION 'unknown privilege "%"', $3
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "predict" or "train".';
	END IF;
	IF $2 <> 'public' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = $2) THEN
		RAISE EXCEPTION 'role "%" does not exist', $2
			USING ERRCODE = 'undefined_object';
	END IF;
	v_id := mlops._require($1, 'owner', current_user);
	IF v_id IS NULL THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	INSERT INTO mlops.project_grants AS g (project_id, grantee, privilege)
	VALUES (v_id, $2, $3)
	ON CONFLICT ON CONSTRAINT project_grants_pkey DO NOTHING;
END;
$$;
COMMENT ON FUNCTION mlops.grant(text, name, text) IS
	'gives a role (and its members; public: every role) the predict or train privilege on a project; only the project''s owner (members of the owning role) and superusers may';

CREATE FUNCTION mlops.revoke(project text, role name, privilege text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id bigint;
BEGIN
	IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN
		RAISE EXCEPTION 'project, role and privilege must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF $3 NOT IN ('predict', 'train') THEN
		RAISE EXCEPTION 'unknown privilege "%"', $3
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use "predict" or "train".';
	END IF;
	v_id := mlops._require($1, 'owner', current_user);
	IF v_id IS NULL THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	DELETE FROM mlops.project_grants g WHERE g.project_id = v_id AND g.grantee = $2 AND g.privilege = $3;
END;
$$;
COMMENT ON FUNCTION mlops.revoke(text, name, text) IS
	'takes back a privilege given with mlops.grant (nothing happens if it was not given)';

/* Row-level security: what each role sees and may write */
ALTER TABLE mlops.projects ENABLE ROW LEVEL SECURITY;
/* (owner = current_user: the row a new project is inserted as, which _may cannot see yet) */
CREATE POLICY see ON mlops.projects FOR SELECT
	USING (owner = current_user OR mlops._may(project_id, 'predict', current_user));
CREATE POLICY add ON mlops.projects FOR INSERT WITH CHECK (owner = current_user);
CREATE POLICY change ON mlops.projects FOR UPDATE USING (mlops._may(project_id, 'train', current_user));
CREATE POLICY remove ON mlops.projects FOR DELETE USING (mlops._may(project_id, 'owner', current_user));

DO $$
DECLARE
	t record;
BEGIN
	/* (table, key column, whether it is a model id, the privilege that writes it) */
	FOR t IN SELECT * FROM (VALUES
			('models', 'project_id', false, 'train'),
			('metrics', 'model_id', true, 'train'),
			('deployments', 'project_id', false, 'owner'),
			('retrain_runs', 'project_id', false, 'train'),
			('model_tags', 'model_id', true, 'train'),
			('baselines', 'model_id', true, 'train'),
			('drift_log', 'project_id', false, 'train'),
			('monitors', 'project_id', false, 'owner'),
			('alerts', 'project_id', false, 'train'),
			('drift_totals', 'project_id', false, 'train'),
			('drift_checks', 'project_id', false, 'train'),
			('project_grants', 'project_id', false, 'owner')) AS v(tab, col, by_model, priv) LOOP
		EXECUTE format('ALTER TABLE mlops.%I ENABLE ROW LEVEL SECURITY', t.tab);
		EXECUTE format('CREATE POLICY see ON mlops.%I FOR SELECT USING (mlops.%s(%I, %L, current_user))',
					   t.tab, CASE WHEN t.by_model THEN '_may_model' ELSE '_may' END, t.col, 'predict');
		EXECUTE format('CREATE POLICY add ON mlops.%I FOR INSERT WITH CHECK (mlops.%s(%I, %L, current_user))',
					   t.tab, CASE WHEN t.by_model THEN '_may_model' ELSE '_may' END, t.col, t.priv);
		EXECUTE format('CREATE POLICY change ON mlops.%I FOR UPDATE USING (mlops.%s(%I, %L, current_user))',
					   t.tab, CASE WHEN t.by_model THEN '_may_model' ELSE '_may' END, t.col, t.priv);
		EXECUTE format('CREATE POLICY remove ON mlops.%I FOR DELETE USING (mlops.%s(%I, %L, current_user))',
					   t.tab, CASE WHEN t.by_model THEN '_may_model' ELSE '_may' END, t.col,
					   CASE WHEN t.tab IN ('model_tags', 'drift_totals') THEN 'train' ELSE 'owner' END);
	END LOOP;
END;
$$;

/* Table privileges for every role; the policies above decide which rows */
GRANT SELECT ON mlops.project_grants TO PUBLIC;
GRANT INSERT, DELETE ON mlops.projects, mlops.models, mlops.metrics, mlops.deployments, mlops.retrain_runs,
	mlops.model_tags, mlops.baselines, mlops.drift_log, mlops.monitors, mlops.alerts, mlops.project_grants,
	mlops.drift_totals, mlops.drift_checks
	TO PUBLIC;
GRANT UPDATE ON mlops.drift_totals, mlops.drift_checks TO PUBLIC;
GRANT UPDATE (relation, target, features, algorithm, params, test_fraction) ON mlops.projects TO PUBLIC;
GRANT UPDATE (value, tagged_at, tagged_by) ON mlops.model_tags TO PUBLIC;
GRANT USAGE ON SEQUENCE mlops.drift_log_log_id_seq, mlops.alerts_alert_id_seq TO PUBLIC;
GRANT EXECUTE ON FUNCTION mlops.drift_trigger() TO PUBLIC;

/* Views read with the privileges of the querying role (PostgreSQL 15 and later) */
DO $$
BEGIN
	IF current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW mlops.deployed_models SET (security_invoker = true);
		ALTER VIEW mlops.retrain_history SET (security_invoker = true);
		ALTER VIEW mlops.leaderboard SET (security_invoker = true);
		ALTER VIEW mlops.drift_status SET (security_invoker = true);
	END IF;
END;
$$;
