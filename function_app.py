"""Entry point: one DFApp, wiring only. Logic lives in `provisioning/`; roles in blueprints."""

import azure.durable_functions as df
import azure.functions as func

from activities import blueprint as activities
from api import blueprint as api
from orchestrators import blueprint as orchestrators

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(api)
app.register_functions(orchestrators)
app.register_functions(activities)
