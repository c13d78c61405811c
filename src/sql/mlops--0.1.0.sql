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
COMMENT ON COLUMN mlops.models.features IS 'feature columns, in the order of the coefficients';
COMMENT ON COLUMN mlops.models.intercept IS 'whether coefficients[1] is an intercept';
COMMENT ON COLUMN mlops.models.coefficients IS 'coefficients: the intercept first when there is one, then one per feature';
COMMENT ON COLUMN mlops.models.statistics IS 'the mlops.ols_result of the training split as JSON (without vcov, which mlops.ols_result(state) gives): standard errors, t statistics, p-values, R², F, condition number, log-likelihood, AIC, BIC';
COMMENT ON COLUMN mlops.models.state IS 'fit state of the training split, for refits and merges';
COMMENT ON COLUMN mlops.models.test_fraction IS 'share of rows held out for testing';
COMMENT ON COLUMN mlops.models.n_rows IS 'rows used for training (training split)';
COMMENT ON COLUMN mlops.models.n_skipped IS 'rows skipped for NULL values';
COMMENT ON COLUMN mlops.models.trained_at IS 'when the model was trained';
COMMENT ON COLUMN mlops.models.trained_by IS 'role that trained the model';
COMMENT ON COLUMN mlops.models.watermark IS 'with params.incremental_column: the largest value of that column in the data the model has seen (text form)';

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
	'prediction of the deployed model of a project for one row of features, in the order of the model''s features';

CREATE FUNCTION mlops.predict(project text, "row" record) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_record'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict(text, record) IS
	'prediction of the deployed model of a project for a row whose columns are named like the model''s features';

CREATE FUNCTION mlops.predict(model_id bigint, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'mlops_predict_model'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.predict(bigint, float8[]) IS
	'prediction of one exact model version for one row of features';

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

CREATE FUNCTION mlops._rmse(p_model_id bigint, p_split text) RETURNS float8
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT value FROM mlops.metrics WHERE model_id = p_model_id AND split = p_split AND metric = 'rmse';
$$;
COMMENT ON FUNCTION mlops._rmse(bigint, text) IS 'internal: RMSE of a model on a split, NULL when not measured';

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
		/* test RMSE among the versions that have one; training RMSE when none has */
		SELECT m.model_id, format('version %s has the lowest %s RMSE of all versions', m.version,
								  CASE WHEN r.split = 'test' THEN 'test' ELSE 'training' END)
		INTO mid, why
		FROM mlops.models m
		JOIN mlops.metrics r ON r.model_id = m.model_id AND r.metric = 'rmse'
		WHERE m.project_id = p.project_id
		  AND r.split = CASE WHEN EXISTS (SELECT 1 FROM mlops.metrics t JOIN mlops.models tm USING (model_id)
										  WHERE tm.project_id = p.project_id AND t.split = 'test'
											AND t.metric = 'rmse')
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
	'deploys the best (lowest test RMSE), the latest, or the previously deployed (rollback) version of a project';

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

/*
 * SQL for the x arguments of the scans: ", 1::float8, "a"::float8, ..." (the
 * intercept first), or ", ARRAY[...]" beyond 90 values, since a function
 * takes at most 100 arguments.
 */
CREATE FUNCTION mlops._xargs_sql(p_features text[], p_intercept boolean) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN cardinality(l) <= 90 THEN ', ' || array_to_string(l, ', ')
				ELSE ', ARRAY[' || array_to_string(l, ', ') || ']' END
	FROM (SELECT CASE WHEN p_intercept THEN ARRAY['1::float8'] ELSE '{}' END
				 || coalesce((SELECT array_agg(format('%I::float8', f) ORDER BY o)
							  FROM unnest(p_features) WITH ORDINALITY AS u(f, o)), '{}') AS l) s;
$$;
COMMENT ON FUNCTION mlops._xargs_sql(text[], boolean) IS
	'internal: SQL for the x arguments of the fit and metrics scans';

/*
 * SQL that is true for a row of the test split: the hash of the target and of
 * every numeric column of the relation (whatever the features) is below the
 * fraction; 'false' when nothing is held out.
 */
CREATE FUNCTION mlops._hash_sql(p_rel regclass, p_target text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format(CASE WHEN cardinality(l) <= 90 THEN 'mlops.holdout_hash(%s)'
					   ELSE 'mlops.holdout_hash(ARRAY[%s])' END,
				  array_to_string(l, ', '))
	FROM (SELECT format('%I::float8', p_target)
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
									p_watermark text, p_deploy text, p_extra jsonb DEFAULT '{}')
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
								   n_skipped, watermark)
	VALUES (v_proj.project_id, v_version, p_algorithm, p_params, p_rel::text, p_target, p_features,
			p_intercept, p_res.coef, (to_jsonb(p_res) - 'vcov') || coalesce(p_extra, '{}'), p_state, p_fraction, p_res.n_rows,
			p_res.n_skipped, p_watermark)
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
	ELSE
		/* compare like with like: test RMSE when both have one, else training RMSE */
		v_split := CASE WHEN mlops._rmse(v_old_model, 'test') IS NOT NULL
							 AND mlops._rmse(v_model_id, 'test') IS NOT NULL
						THEN 'test' ELSE 'train' END;
		v_old_score := mlops._rmse(v_old_model, v_split);
		v_new_score := mlops._rmse(v_model_id, v_split);
		v_deployed := v_new_score < v_old_score;
		v_reason := format('%s rmse %s %s %s of deployed version %s',
						   v_split, v_new_score,
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
COMMENT ON FUNCTION mlops._record_model(text, regclass, text, text[], text, jsonb, float8, boolean, mlops.ols_result, mlops.fitstate, jsonb, text, text, jsonb) IS
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
CREATE FUNCTION mlops._argmap(p_target text, p_features text[], p_intercept boolean) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('y is column "%s"; x[1], x[2], ... are, in order: %s.', p_target,
		array_to_string(CASE WHEN p_intercept THEN ARRAY['1 (the intercept)'] ELSE '{}' END
						|| ARRAY(SELECT format('column "%s"', u.f)
								 FROM unnest(p_features) WITH ORDINALITY AS u(f, o) ORDER BY u.o),
						', '));
$$;
COMMENT ON FUNCTION mlops._argmap(text, text[], boolean) IS
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
	v_robust text;
	v_cov float8[];
	v_se float8[];
	v_bins integer;
	v_exprs text[];
	v_edges jsonb;
	v_base float8[];
	v_pct float8;
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
	IF v_algorithm IS NULL OR v_algorithm NOT IN ('linear', 'ridge') THEN
		RAISE EXCEPTION 'unknown algorithm "%"', v_algorithm
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'This version supports algorithms "linear" and "ridge".';
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
	FOR v_key IN SELECT jsonb_object_keys(v_params) LOOP
		IF v_key NOT IN ('intercept', 'nulls', 'margin', 'incremental_column', 'folds', 'bins')
		   AND NOT (v_key IN ('lambda', 'lambdas') AND v_algorithm = 'ridge')
		   AND NOT (v_key IN ('drop_collinear', 'weights', 'robust') AND v_algorithm = 'linear') THEN
			RAISE EXCEPTION 'unknown parameter "%" for algorithm "%"', v_key, v_algorithm
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = CASE WHEN v_algorithm = 'ridge'
								  THEN 'Parameters of algorithm "ridge" are "lambda", "lambdas", "intercept", "nulls", "margin", "incremental_column", "folds" and "bins".'
								  ELSE 'Parameters of algorithm "linear" are "intercept", "nulls", "margin", "incremental_column", "folds", "bins", "drop_collinear", "weights" and "robust".' END;
		END IF;
	END LOOP;
	IF v_params ? 'folds' AND (jsonb_typeof(v_params -> 'folds') <> 'number'
							   OR (v_params ->> 'folds') !~ '^[0-9]+$'
							   OR (v_params ->> 'folds')::int NOT BETWEEN 2 AND 100) THEN
		RAISE EXCEPTION 'parameter "folds" must be a whole number from 2 to 100'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_algorithm = 'ridge' THEN
		v_auto := coalesce((v_params -> 'lambda') = '"auto"', false);
		IF NOT v_auto AND (jsonb_typeof(v_params -> 'lambda') IS DISTINCT FROM 'number'
						   OR NOT ((v_params ->> 'lambda')::float8 >= 0)) THEN
			RAISE EXCEPTION 'algorithm "ridge" needs parameter "lambda", a number at least 0 or "auto"'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'The objective is (1/(2n)) ||y - b0 - X b||^2 + (lambda/2) ||b||^2.';
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
		RAISE EXCEPTION 'parameter "nulls" must be "skip" or "error", not %', v_params -> 'nulls'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_nulls NOT IN ('skip', 'error') THEN
		RAISE EXCEPTION 'parameter "nulls" must be "skip" or "error", not "%"', v_nulls
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	v_params := v_params || jsonb_build_object('intercept', v_intercept, 'nulls', v_nulls);

	/* an existing project: the caller needs the train privilege, and ownership to deploy */
	IF mlops._require(v_project, 'train', current_user) IS NOT NULL AND v_deploy <> 'never' THEN
		PERFORM mlops._require_deploy(v_project);
	END IF;

	/* ---- columns, checked against the catalog ---- */
	PERFORM mlops._check_numeric_column(v_rel, v_target, 'target');

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
		PERFORM mlops._check_numeric_column(v_rel, v_f, 'feature');
	END LOOP;

	/*
	 * ---- the scan: one aggregate over the training split, parallel where
	 * the planner likes.  Up to 90 columns they are passed one by one (no
	 * array per row); beyond that, as arrays, since a function takes at most
	 * 100 arguments.
	 */
	v_ycol := format('%I::float8', v_target);
	v_xargs := mlops._xargs_sql(v_features, v_intercept);
	v_xcount := cardinality(v_features) + v_intercept::int;
	v_split := mlops._split_sql(v_rel, v_target, v_fraction);
	v_names := CASE WHEN v_intercept THEN ARRAY['(intercept)'] ELSE '{}' END || v_features;
	v_argmap := mlops._argmap(v_target, v_features, v_intercept);
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
				v_dropped_features := ARRAY(SELECT f FROM unnest(v_features) WITH ORDINALITY AS u(f, o)
											WHERE o + v_intercept::int = ANY (v_dropped) ORDER BY o);
				v_features := ARRAY(SELECT f FROM unnest(v_features) WITH ORDINALITY AS u(f, o)
									WHERE NOT (o + v_intercept::int = ANY (v_dropped)) ORDER BY o);
				v_res.coef := ARRAY(SELECT c FROM unnest(v_res.coef) c WHERE c IS NOT NULL);
				v_res.std_err := mlops._compact(v_res.std_err, v_dropped);
				v_res.t_stats := mlops._compact(v_res.t_stats, v_dropped);
				v_res.p_values := mlops._compact(v_res.p_values, v_dropped);
				v_res.vcov := NULL;
				v_state := NULL;	/* its columns are no longer the model's */
				v_xargs := mlops._xargs_sql(v_features, v_intercept);
				v_argmap := mlops._argmap(v_target, v_features, v_intercept);
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
						 || coalesce((SELECT string_agg(format(' + $1[%s] * %I::float8', o + v_intercept::int, f), '' ORDER BY o)
									  FROM unnest(v_features) WITH ORDINALITY AS u(f, o)), '')]
				   || ARRAY(SELECT format('%I::float8', f) FROM unnest(v_features) WITH ORDINALITY AS u(f, o) ORDER BY o);
		/* (only tables and materialized views can be sampled; other relations are read whole) */
		SELECT CASE WHEN c.relkind IN ('r', 'm') THEN least(100, 100 * 100000 / greatest(c.reltuples, 1)) END
		INTO v_pct
		FROM pg_catalog.pg_class c WHERE c.oid = v_rel;
		FOR i IN 1..2 LOOP
			v_sql := format('SELECT %s FROM %s %s WHERE NOT (%s)',
							(SELECT string_agg(format('jsonb_build_array(percentile_disc(%L::float8[]) WITHIN GROUP (ORDER BY %s))',
													  ARRAY(SELECT g::float8 / v_bins FROM generate_series(1, v_bins - 1) g), e),
											   ' || ' ORDER BY o)
							 FROM unnest(v_exprs) WITH ORDINALITY AS u(e, o)),
							v_rel,
							/* below 10%: whole pages (SYSTEM) rather than reading every row (BERNOULLI) */
							CASE WHEN i = 1 AND v_pct > 0 AND v_pct < 100
								 THEN format('TABLESAMPLE %s (%s) REPEATABLE (0)',
											 CASE WHEN v_pct < 10 THEN 'SYSTEM' ELSE 'BERNOULLI' END, v_pct)
								 ELSE '' END,
							v_split);
			EXECUTE v_sql INTO v_edges USING v_res.coef;
			/* a sample that missed every value of a column: take all rows */
			EXIT WHEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_edges) e WHERE e = 'null');
		END LOOP;

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
				   v_intercept, v_xargs),
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
											 v_watermark, v_deploy, v_extra);
	INSERT INTO mlops.baselines (model_id, ordinal, feature, n, n_null, mean, sd, min, max, edges, counts)
	SELECT r.model_id, o - 1, CASE WHEN o = 1 THEN '(prediction)' ELSE v_features[o - 1] END,
		   v_base[o][1]::bigint, v_base[o][2]::bigint, v_base[o][3], v_base[o][4], v_base[o][5], v_base[o][6],
		   ARRAY(SELECT jsonb_array_elements_text(v_edges -> (o - 1))::float8),
		   ARRAY(SELECT v_base[o][6 + b]::bigint FROM generate_series(1, v_bins) b ORDER BY b)
	FROM generate_series(1, array_length(v_base, 1)) o;
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
COMMENT ON COLUMN mlops.retrain_runs.score IS 'what was compared: test rmse (on the same fresh hold-out) or train rmse (on all rows, without a hold-out)';
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
COMMENT ON COLUMN mlops.retrain_history.score IS 'test rmse or train rmse';
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
	f text;
	v_rmse float8;
BEGIN
	SELECT * INTO m FROM mlops.models WHERE model_id = p_model_id;
	PERFORM mlops._check_numeric_column(p_rel, m.target, 'target');
	FOREACH f IN ARRAY m.features LOOP
		PERFORM mlops._check_numeric_column(p_rel, f, 'feature');
	END LOOP;
	EXECUTE format('SELECT (mlops.error_stats($1, %I::float8%s))[2] FROM %s WHERE %s',
				   m.target, mlops._xargs_sql(m.features, m.intercept), p_rel, p_where)
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
	v_xargs text := mlops._xargs_sql(p.features, c.intercept);
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
				   CASE WHEN cardinality(p.features) + c.intercept::int <= 90
						THEN 'mlops.fit_columns' ELSE 'mlops.fit_state' END,
				   p.target, v_xargs, v_rel, v_new, v_split)
	INTO v_state USING c.state;
	v_res := mlops.ols_result(v_state, CASE WHEN c.intercept THEN ARRAY['(intercept)'] ELSE '{}' END
									   || p.features);
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
											 coalesce(v_watermark, c.watermark), 'never');
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
		v_incremental := p.params ? 'incremental_column' AND p.algorithm = 'linear' AND c.watermark IS NOT NULL
						 AND NOT p.params ? 'robust'
			AND c.state IS NOT NULL AND c.relation = p.relation AND c.target = p.target
			AND c.features = p.features AND c.intercept = coalesce((p.params ->> 'intercept')::boolean, true)
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
		IF v_champion IS NOT NULL THEN
			IF t.metrics ? 'test' THEN
				v_score := 'test rmse';
				v_challenger_score := (t.metrics -> 'test' ->> 'rmse')::float8;
				/* the same fresh hold-out: with an incremental refit, the new rows' test split */
				v_champion_score := mlops._model_rmse(v_champion, p.relation::regclass,
					mlops._split_sql(p.relation::regclass, p.target, p.test_fraction)
					|| CASE WHEN v_incremental
							THEN format(' AND %I > %L', p.params ->> 'incremental_column', c.watermark)
							ELSE '' END);
			ELSIF v_incremental AND p.test_fraction > 0 THEN
				/* no new rows fell in the test split: nothing fresh to compare on */
				v_score := 'test rmse';
			ELSE
				v_score := 'train rmse';
				v_challenger_score := (t.metrics -> 'train' ->> 'rmse')::float8;
				v_champion_score := mlops._model_rmse(v_champion, p.relation::regclass, 'true');
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
	v_f text;
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

	/* the model's columns, checked against the catalog as train does */
	PERFORM mlops._check_numeric_column(v_rel, v_model.target, 'target');
	FOREACH v_f IN ARRAY v_model.features LOOP
		PERFORM mlops._check_numeric_column(v_rel, v_f, 'feature');
	END LOOP;

	/* y, then 1 for the intercept, then the features: the layout of the coefficients */
	v_sql := format('SELECT mlops.error_stats($1, %I::float8%s) FROM %s',
					v_model.target, mlops._xargs_sql(v_model.features, v_model.intercept), v_rel);
	v_argmap := mlops._argmap(v_model.target, v_model.features, v_model.intercept);
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
	'evaluates the deployed model of a project on new labelled rows: n, rmse, mae and r2, recorded in mlops.metrics with split eval';

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
BEGIN
	v_model := mlops._deployed_model(v_project);
	v_off := v_model.intercept::integer;
	IF array_ndims($2) > 1 THEN
		RAISE EXCEPTION 'features must be a one-dimensional array'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	/* the same checks, in the same order, as predict */
	v_x := ARRAY(SELECT u.x FROM unnest($2) WITH ORDINALITY AS u(x, o) ORDER BY u.o);
	v_n := cardinality(v_x);
	IF v_n <> cardinality(v_model.features) THEN
		RAISE EXCEPTION 'expected % features, not %', cardinality(v_model.features), v_n
			USING ERRCODE = 'data_exception',
				  DETAIL = CASE WHEN cardinality(v_model.features) > 0
								THEN format('Version %s of project "%s" takes features %s, in this order.',
											v_model.version, v_project,
											(SELECT string_agg(format('"%s"', u.f), ', ' ORDER BY u.o)
											 FROM unnest(v_model.features) WITH ORDINALITY AS u(f, o)))
								ELSE format('Version %s of project "%s" takes no features.',
											v_model.version, v_project) END;
	END IF;
	IF array_position(v_x, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'feature "%" is NULL', v_model.features[array_position(v_x, NULL)]
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	FOR j IN 1 .. v_n LOOP
		IF v_x[j] IN ('NaN', 'Infinity', '-Infinity') THEN
			RAISE EXCEPTION 'feature "%" is %', v_model.features[j], v_x[j]
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
		FROM unnest(v_model.features) WITH ORDINALITY AS u(f, o)
		ORDER BY u.o;
END;
$explain$;
COMMENT ON FUNCTION mlops.explain(text, float8[]) IS
	'per-feature contributions of one prediction of the deployed model: value, weight and value times weight, with the intercept first; they add up to mlops.predict';

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
					'version', 'project', 'trained_at', 'metrics')
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
	IF v_doc -> 'algorithm' <> '"linear"' THEN
		PERFORM mlops._invalid_model(format('Key "algorithm" is %s; this version of mlops knows "linear".',
											v_doc -> 'algorithm'));
	END IF;

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
	v_ncoef := cardinality(v_features) + v_intercept::integer;
	IF v_ncoef > 1000 THEN
		PERFORM mlops._invalid_model(format('The model has %s coefficients; at most 1000 are allowed.', v_ncoef));
	END IF;
	IF jsonb_typeof(v_doc -> 'coefficients') <> 'array'
	   OR jsonb_array_length(v_doc -> 'coefficients') <> v_ncoef THEN
		PERFORM mlops._invalid_model(format('Key "coefficients" must be an array of %s numbers (%s).', v_ncoef,
			CASE WHEN v_intercept THEN format('the intercept and %s for the features', v_ncoef - 1)
				 ELSE 'one for each feature' END));
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
	WHERE k NOT IN ('intercept', 'nulls', 'margin', 'incremental_column', 'drop_collinear', 'folds',
					'weights', 'robust', 'bins') ORDER BY k LIMIT 1;
	IF FOUND THEN
		PERFORM mlops._invalid_model(format('Parameter "%s" is not a parameter of algorithm "linear".', v_key));
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
	IF v_params ? 'nulls' AND v_params -> 'nulls' NOT IN ('"skip"', '"error"') THEN
		PERFORM mlops._invalid_model('Parameter "nulls" must be "skip" or "error".');
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
				IF v_split.key <> 'cv' AND (v_fig.key NOT IN ('n', 'rmse', 'mae', 'r2')
				   OR (jsonb_typeof(v_fig.value) <> 'null' AND mlops._json_float8(v_fig.value) IS NULL)) THEN
					PERFORM mlops._invalid_model(format('Metric "%s" of split "%s" must be one of n, rmse, mae and r2, with a number or null.',
														v_fig.key, v_split.key));
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
								   trained_at)
	VALUES (v_proj.project_id, v_version, 'linear', v_params, v_doc ->> 'relation', v_doc ->> 'target',
			v_features, v_intercept, v_coef, nullif(v_doc -> 'statistics', 'null'), v_state, v_fraction,
			v_n_rows, v_n_skipped, coalesce(v_trained_at, now()))
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
	m.trained_by
FROM mlops.models m
JOIN mlops.projects p ON p.project_id = m.project_id
LEFT JOIN mlops.deployed_models d ON d.project_id = m.project_id
LEFT JOIN LATERAL (
	SELECT
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'rmse') AS test_rmse,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'mae') AS test_mae,
		max(x.value) FILTER (WHERE x.split = 'test' AND x.metric = 'r2') AS test_r2,
		max(x.value) FILTER (WHERE x.split = 'train' AND x.metric = 'rmse') AS train_rmse,
		max(x.value) FILTER (WHERE x.split = 'eval' AND x.metric = 'rmse') AS eval_rmse
	FROM mlops.metrics x
	WHERE x.model_id = m.model_id
) r ON true;
COMMENT ON VIEW mlops.leaderboard IS 'every model of every project with its metrics as columns and whether it is deployed; sort by test_rmse to rank versions';
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
	log_id bigserial PRIMARY KEY,
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
	err_sae float8 NOT NULL DEFAULT 0
);
CREATE INDEX ON mlops.drift_log (project_id, logged_at);
COMMENT ON TABLE mlops.drift_log IS 'one row per statement that wrote rows into a monitored table (or per day, once compacted): counts against the deployed model''s baseline bins; arrays are indexed by baseline ordinal + 1 (element 1 is the prediction)';
COMMENT ON COLUMN mlops.drift_log.log_id IS 'identifier of the summary';
COMMENT ON COLUMN mlops.drift_log.project_id IS 'project whose deployed model the rows were compared with';
COMMENT ON COLUMN mlops.drift_log.model_id IS 'the deployed model whose baseline binned the rows';
COMMENT ON COLUMN mlops.drift_log.relation IS 'the monitored table';
COMMENT ON COLUMN mlops.drift_log.logged_at IS 'when the statement ran (the start of the UTC day for compacted rows)';
COMMENT ON COLUMN mlops.drift_log.compacted IS 'whether the row sums a day of summaries (mlops.compact_drift)';
COMMENT ON COLUMN mlops.drift_log.statements IS 'statements summed in the row';
COMMENT ON COLUMN mlops.drift_log.n_rows IS 'rows written';
COMMENT ON COLUMN mlops.drift_log.bins IS 'bins per feature of the baseline (k)';
COMMENT ON COLUMN mlops.drift_log.n IS 'values that were not NULL, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.n_null IS 'NULL values, per baseline ordinal (for the prediction: rows with a NULL feature)';
COMMENT ON COLUMN mlops.drift_log.sums IS 'sum of the values, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.sumsq IS 'sum of the squared values, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.below IS 'values below the training minimum, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.above IS 'values above the training maximum, per baseline ordinal';
COMMENT ON COLUMN mlops.drift_log.counts IS 'values per bin, (features + 1) x bins flattened by ordinal: element ordinal * bins + b + 1';
COMMENT ON COLUMN mlops.drift_log.err_n IS 'rows whose target was present and not NULL, with a prediction';
COMMENT ON COLUMN mlops.drift_log.err_sse IS 'sum of squared prediction errors over those rows';
COMMENT ON COLUMN mlops.drift_log.err_sae IS 'sum of absolute prediction errors over those rows';
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

GRANT SELECT ON mlops.baselines, mlops.drift_log, mlops.monitors, mlops.alerts TO PUBLIC;

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

CREATE FUNCTION mlops.drift_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'mlops_drift_trigger'
	LANGUAGE C SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp;
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
	PERFORM mlops._check_numeric_column($2, f, 'feature')
	FROM mlops.models m, unnest(m.features) f WHERE m.model_id = v_model;
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
	v_warn float8 := coalesce(nullif(current_setting('mlops.drift_psi_warn', true), '')::float8, 0.1);
	v_alert float8 := coalesce(nullif(current_setting('mlops.drift_psi_alert', true), '')::float8, 0.25);
	v_min bigint := coalesce(nullif(current_setting('mlops.drift_min_rows', true), '')::bigint, 1000);
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
	WITH logs AS (
		SELECT l.* FROM mlops.drift_log l
		WHERE l.project_id = v_project_id AND l.model_id = v_model AND l.logged_at >= coalesce($2, '-infinity')
	),
	per_ordinal AS (
		SELECT u.o - 1 AS ordinal, sum(u.n)::bigint AS n, sum(u.n_null)::bigint AS n_null, sum(u.s) AS s,
			   sum(u.below)::bigint AS below, sum(u.above)::bigint AS above
		FROM logs l, unnest(l.n, l.n_null, l.sums, l.below, l.above) WITH ORDINALITY AS u(n, n_null, s, below, above, o)
		GROUP BY u.o
	),
	per_bin AS (
		SELECT (u.i - 1) / l.bins AS ordinal, (u.i - 1) % l.bins AS bin, sum(u.c)::bigint AS c
		FROM logs l, unnest(l.counts) WITH ORDINALITY AS u(c, i)
		GROUP BY 1, 2
	),
	bins AS (
		/* baseline and live counts per bin; shares with additive smoothing for the PSI */
		SELECT b.ordinal, g.bin, g.base_c, coalesce(pb.c, 0) AS live_c, b.n AS base_n,
			   coalesce(po.n, 0) AS live_n, cardinality(b.counts) AS k
		FROM mlops.baselines b
		CROSS JOIN LATERAL unnest(b.counts) WITH ORDINALITY AS g0(base_c, i)
		CROSS JOIN LATERAL (SELECT g0.i - 1 AS bin, g0.base_c) g
		LEFT JOIN per_bin pb ON pb.ordinal = b.ordinal AND pb.bin = g.bin
		LEFT JOIN per_ordinal po ON po.ordinal = b.ordinal
		WHERE b.model_id = v_model
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
	)
	SELECT q.feature, q.n_live, q.psi, q.ks, q.mean_shift, q.null_rate_live, q.null_rate_base,
		   q.out_of_range, q.status, q.rmse_live, q.rmse_base, q.model_id
	FROM (
	SELECT b.ordinal AS ord, b.feature, coalesce(po.n, 0) AS n_live,
		   CASE WHEN po.n > 0 THEN st.psi END AS psi,
		   CASE WHEN po.n > 0 THEN st.ks END AS ks,
		   CASE WHEN po.n > 0 AND b.sd > 0 THEN (po.s / po.n - b.mean) / b.sd END AS mean_shift,
		   po.n_null::float8 / nullif(po.n + po.n_null, 0) AS null_rate_live,
		   b.n_null::float8 / nullif(b.n + b.n_null, 0) AS null_rate_base,
		   (po.below + po.above)::float8 / nullif(po.n, 0) AS out_of_range,
		   CASE WHEN coalesce(po.n, 0) < greatest(v_min, 1) THEN NULL
				WHEN st.psi >= v_alert THEN 'alert' WHEN st.psi >= v_warn THEN 'warn' ELSE 'ok' END AS status,
		   NULL::float8 AS rmse_live, NULL::float8 AS rmse_base, v_model AS model_id
	FROM mlops.baselines b
	JOIN stats st ON st.ordinal = b.ordinal
	LEFT JOIN per_ordinal po ON po.ordinal = b.ordinal
	WHERE b.model_id = v_model
	UNION ALL
	SELECT 2147483647, '(error)', e.n, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		   sqrt(e.sse / e.n), mt.value, v_model
	FROM (SELECT sum(l.err_n)::bigint AS n, sum(l.err_sse) AS sse FROM logs l) e
	LEFT JOIN mlops.metrics mt ON mt.model_id = v_model AND mt.split = 'train' AND mt.metric = 'rmse'
	WHERE e.n > 0
	) q
	ORDER BY q.ord;
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
	v_raised integer := 0;
	v_id bigint;
	r record;
BEGIN
	PERFORM mlops._require($1, 'train', current_user);
	SELECT p.project_id INTO v_project_id FROM mlops.projects p WHERE p.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'project "%" does not exist', $1
			USING ERRCODE = 'undefined_object';
	END IF;
	FOR r IN SELECT * FROM mlops.drift($1, v_window) d WHERE d.status = 'alert' LOOP
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
	'raises the alerts of the current window: a row in mlops.alerts and a NOTIFY on channel mlops_alerts for every feature of the project whose PSI passed mlops.drift_psi_alert, once per feature and window; returns how many it raised (the drift trigger calls it every mlops.drift_check_interval)';

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
	CREATE TEMPORARY TABLE mlops_compact ON COMMIT DROP AS
	WITH old AS (
		DELETE FROM mlops.drift_log l WHERE NOT l.compacted AND l.logged_at < now() - $1 RETURNING l.*)
	SELECT * FROM old;
	GET DIAGNOSTICS v_removed = ROW_COUNT;
	INSERT INTO mlops.drift_log (project_id, model_id, relation, logged_at, compacted, statements, n_rows, bins,
								 n, n_null, sums, sumsq, below, above, counts, err_n, err_sse, err_sae)
	SELECT g.project_id, g.model_id, g.relation, g.day, true, g.statements, g.n_rows, g.bins,
		   ARRAY(SELECT sum(u.v)::bigint FROM mlops_compact c, unnest(c.n) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v)::bigint FROM mlops_compact c, unnest(c.n_null) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v) FROM mlops_compact c, unnest(c.sums) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v) FROM mlops_compact c, unnest(c.sumsq) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v)::bigint FROM mlops_compact c, unnest(c.below) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v)::bigint FROM mlops_compact c, unnest(c.above) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   ARRAY(SELECT sum(u.v)::bigint FROM mlops_compact c, unnest(c.counts) WITH ORDINALITY u(v, i) WHERE (c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), c.bins) = (g.project_id, g.model_id, g.relation, g.day, g.bins) GROUP BY u.i ORDER BY u.i),
		   g.err_n, g.err_sse, g.err_sae
	FROM (SELECT c.project_id, c.model_id, c.relation, (date_trunc('day', c.logged_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS day, c.bins,
				 sum(c.statements)::bigint AS statements, sum(c.n_rows)::bigint AS n_rows,
				 sum(c.err_n)::bigint AS err_n, sum(c.err_sse) AS err_sse, sum(c.err_sae) AS err_sae
		  FROM mlops_compact c GROUP BY 1, 2, 3, 4, 5) g;
	DROP TABLE mlops_compact;
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
					   CASE WHEN t.tab IN ('model_tags') THEN 'train' ELSE 'owner' END);
	END LOOP;
END;
$$;

/* Table privileges for every role; the policies above decide which rows */
GRANT SELECT ON mlops.project_grants TO PUBLIC;
GRANT INSERT, DELETE ON mlops.projects, mlops.models, mlops.metrics, mlops.deployments, mlops.retrain_runs,
	mlops.model_tags, mlops.baselines, mlops.drift_log, mlops.monitors, mlops.alerts, mlops.project_grants
	TO PUBLIC;
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
