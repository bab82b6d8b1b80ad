"""Package-wide defaults, kept in one place so every module agrees."""

DEFAULT_K = 4
"""KSG neighbour count (JIDT's default; sklearn and ennemi use 3)."""

DEFAULT_JITTER = 1e-10
"""Scale of the Gaussian jitter added to standardised data before KSG, against ties."""

DEFAULT_SEED = 0
"""Seed used when the caller gives none, so identical calls give identical numbers."""

DEFAULT_BINS = 30
"""Equal-width bins for the binning estimator (Shwartz-Ziv & Tishby 2017 used 30)."""

DEFAULT_BANDWIDTH = 0.1
"""Variance of the Gaussian noise added by the KDE estimator (Saxe et al. 2018 used 0.1)."""

DEFAULT_ALPHA = 0.05
"""Significance / false-discovery-rate level of every test (``alpha`` always means this)."""

DEFAULT_SURROGATES = 100
DEFAULT_LAGS = (1, 2, 3)

DEFAULT_SCREEN_TOP = 16
"""KSG effective network (``effective_network(screen_top=)``): each maximum-statistic inclusion round
computes KSG for this many candidates only, the best by a quadratic Gaussian-copula score, in the
observed data and in every surrogate alike (docs/concepts.md, "Copula screening of the candidates")."""

NETWORK_SURROGATES = ("shift", "local")
"""Surrogate schemes of ``effective_network(surrogate=)`` (and ``infoflow network --surrogate``): circular
time shifts of each source, or local permutations of the sources among samples with nearby
conditioning values (Runge 2018; docs/concepts.md, "Surrogates of the effective network")."""

DEFAULT_NETWORK_SURROGATE = "shift"
"""The effective network's default surrogate scheme (docs/concepts.md says why)."""

FLOW_METHODS = ("ksg", "gaussian_copula")
"""Estimators of ``information_flow`` and ``effective_network`` (and of the CLI's ``--method``)."""

ARCHITECTURES = ("fully_recurrent", "elman", "gru", "lstm")
NONLINEARITIES = ("tanh", "relu", "sigmoid")
INITS = ("orthogonal", "normal", "default")
"""Model names (``infoflow.models`` re-exports them); here so the CLI can offer them without importing torch."""

DEFAULT_RIDGE = 0.1
"""SpringRank's ridge (regulariser), relative to the mean node strength (``structure.progression``)."""

ROLES = ("input", "hidden", "output")
ACTIVITY_DIMS = ("epoch", "time", "neuron")

DEFAULT_NOISE_SD = 0.1
"""SD of the Gaussian noise added to hidden activity before the information plane (Goldfeld et al.
2019, arXiv:1810.05728): it makes I(X;T) of a deterministic network finite; tanh units span [-1, 1],
so 0.1 blurs each unit to about a twentieth of its range. Recorded with each estimator's regulariser."""

DEFAULT_N_NULL = 199
"""Null networks behind the structure tests (``directedness``, ``analyze_structure``, ``infoflow run``):
with 199 the smallest permutation p-value is 0.005, well below every alpha in use."""

DEFAULT_N_NULL_LAYERS = 99
"""Null draws of ``layers`` (and ``layers_by_epoch``) when called on its own: each draw reclusters a
matrix, so it costs more than a rewired network; 99 still resolves p = 0.01."""

DEFAULT_VERDICT_RESAMPLES = 199
"""Parametric-bootstrap / permutation draws behind the training verdicts (Q3 compression, Q5 phases)."""

DEFAULT_FIXED_GRAD_BATCHES = 8
"""Minibatches whose gradients are taken at the fixed end-of-epoch weights (no update) for the
drift/diffusion SNR; 0 turns the measurement off."""
