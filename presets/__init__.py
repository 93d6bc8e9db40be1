"""Built-in presets, shipped inside the package as dreamstyle.presets_data (TOML files only)."""
