"""The app's UI layer: shared controls and URL state, cached core calls, page chrome.

Pages stay thin: ``scenario = ui.page_setup("Title", "subtitle")`` draws the shared sidebar,
keeps the URL in sync with the Scenario and returns it; the rest of a page calls the cached core
calls and drawing helpers re-exported here (``ui.frontier_for``, ``ui.chart``, …).

Modules, each importing only those above it:

- :mod:`ui.display`: drawing helpers (charts and their data tables, headline numbers, text).
- :mod:`ui.cached`: the session's data and every cached core call (bounded; core is cache-free).
- :mod:`ui.state`: Scenario <-> session_state <-> URL <-> widgets (the shared controls).
- :mod:`ui.chrome`: the top of every page, the page list and links, the app's CSS.

The planner's and the rooms' helpers (:mod:`ui.plan`, :mod:`ui.room`, and for the two room pages
:mod:`ui.room_facilitator` and :mod:`ui.room_participant`) are imported by the pages that use
them (``from ui import plan as plan_ui``), not here: most pages need none of them.
"""

import gc

from core.engine.threads import limit_blas_threads
from core.setting.formatting import percent
from core.setting.scenario import EPSILON_STOPS
from ui.cached import (
    _builtin_dataset,
    _frontier,
    attack_point,
    consent_point,
    current_dataset,
    current_point,
    data_words,
    frontier_for,
    frontier_point,
    get_evaluation,
    get_frontier,
    get_store,
    get_workbench,
    homogeneity_example,
    k_point,
    local_central_point,
    noise_free,
    opt_out_row,
    persona_view,
    personas,
    privacy_audit,
    progressive,
    quasi_identifier_words,
    references_for,
    report_data_note,
    setting_point,
    use_builtin_data,
    use_dataset,
    warm_default_caches,
)
from ui.chrome import (
    PAGES,
    keep_settings,
    page_list,
    page_setup,
    page_url_path,
    unknown_page_requested,
)
from ui.display import (
    PROJECTOR_CHART_HEIGHT,
    _cell,
    chart,
    chart_placeholder,
    font_size,
    headline_numbers,
    plain,
)
from ui.state import (
    apply_tour_step,
    control,
    is_projector,
    page_control,
    reset_all,
    reset_to,
    sidebar_controls,
    url_params,
)

__all__ = [
    "EPSILON_STOPS",
    "PAGES",
    "PROJECTOR_CHART_HEIGHT",
    "apply_tour_step",
    "attack_point",
    "chart",
    "chart_placeholder",
    "consent_point",
    "control",
    "current_dataset",
    "current_point",
    "setting_point",
    "data_words",
    "font_size",
    "frontier_for",
    "frontier_point",
    "get_evaluation",
    "get_frontier",
    "get_store",
    "get_workbench",
    "headline_numbers",
    "homogeneity_example",
    "is_projector",
    "k_point",
    "keep_settings",
    "local_central_point",
    "noise_free",
    "opt_out_row",
    "page_control",
    "page_list",
    "page_setup",
    "page_url_path",
    "percent",
    "persona_view",
    "personas",
    "plain",
    "privacy_audit",
    "progressive",
    "quasi_identifier_words",
    "references_for",
    "report_data_note",
    "reset_all",
    "reset_to",
    "sidebar_controls",
    "unknown_page_requested",
    "url_params",
    "use_builtin_data",
    "use_dataset",
    "warm_default_caches",
    # Package-internal, read by the tests: the cached definitions and a table cell's text.
    "_builtin_dataset",
    "_cell",
    "_frontier",
]

# Streamlit runs gc.collect(2) after every script run, fragment runs included (the hidden
# runner.postScriptGC option). With numpy, pandas, scikit-learn, diffprivlib and plotly imported
# that walks ~180k objects, holding the GIL for about 100 ms before the run's last messages reach
# the browser: most of an ε move's wait. Freezing what exists once the imports are done (modules,
# classes, functions: nothing that becomes garbage) leaves collections only the objects made since.
gc.freeze()

# One BLAS thread for the whole server: sessions run in threads of this one process, and two of
# them in NumPy's default two-thread BLAS at once make each several times slower
# (docs/benchmarks.md, "two at once"). Results do not depend on it. Process-wide and once: this
# package is imported once per server process.
limit_blas_threads()
