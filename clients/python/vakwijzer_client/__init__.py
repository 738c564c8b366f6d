"""Python client of Vakwijzer's gRPC API (vakwijzer.v1).

The package is named ``vakwijzer_client`` because the generated protobuf
modules already own the top-level package ``vakwijzer`` (``vakwijzer.v1``).
"""

from vakwijzer_client.client import VakwijzerClient, VakwijzerError

__all__ = ["VakwijzerClient", "VakwijzerError"]
__version__ = "0.1.0"
