"""A stack's settings: read once from Pulumi config, validated, typed. See `model.py` for the keys."""

from settings.loader import Problem, SettingsError, load_settings, settings_from_config
from settings.model import StackConfig, StackSettings
from settings.tiers import Tier, TierPolicy

__all__ = [
    "Problem",
    "SettingsError",
    "StackConfig",
    "StackSettings",
    "Tier",
    "TierPolicy",
    "load_settings",
    "settings_from_config",
]
