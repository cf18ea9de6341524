"""The base of every API schema.

`defer_build`: pydantic compiles a model's validator when it is first used, not when its
module is imported, so a cold start pays only for the models of the request it serves.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)
