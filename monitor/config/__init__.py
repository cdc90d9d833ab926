"""config.yaml → validated, frozen objects the code uses directly (one schema).

    load      load_config / parse_config: the file → Config, every problem in one pass
    document  ConfigFile (the file's top level), Config (loaded: + state path, compiled rules,
              ${VAR} values, warnings)
    schema    one pydantic model per part (FeedConfig, RuleConfig, FetchConfig …)
    channels  the channel types: each one's settings, transport and renderer (the registry)
    values    parsers and checks of values (durations, sizes, URLs, queries)
    problems  pydantic's errors in our words; refs: checks across parts
    yaml_tree YAML that remembers the line of every key
"""

from monitor.config.channels import CHANNEL_TYPES, ChannelConfig, ChannelType
from monitor.config.document import Config, ConfigFile
from monitor.config.load import load_config, parse_config
from monitor.config.schema import (DefaultsConfig, DeliveryConfig, FeedConfig, FetchConfig,
                                   HealthConfig, RetentionConfig, RuleConfig, TranslationConfig)

__all__ = ["CHANNEL_TYPES", "ChannelConfig", "ChannelType", "Config", "ConfigFile",
           "DefaultsConfig", "DeliveryConfig", "FeedConfig", "FetchConfig", "HealthConfig",
           "RetentionConfig", "RuleConfig", "TranslationConfig", "load_config", "parse_config"]
