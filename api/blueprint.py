"""The HTTP API's blueprint. Anonymous at the function level: App Service Authentication
(or the local host) authenticates, and every handler authorizes from the platform principal."""

import azure.durable_functions as df
import azure.functions as func

blueprint = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)
