"""A setting of the explorer, and what is public about it.

Lives here: the public schema (categories, bounds, class lists: everything the privacy
mechanisms may know without looking at anyone's data), the :class:`Scenario` value and its one
parameter table (CLI flags, URL parameters, sliders and validation all read it), named presets,
the page-only fields, and how numbers are written (``formatting``).

May import: no other group of ``core`` (this is the bottom layer). See docs/architecture.md.
"""
