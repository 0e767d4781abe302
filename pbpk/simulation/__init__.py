"""From a compound and a person to concentration–time data: dosing, the one solve entry point, results, NCA, plots."""
