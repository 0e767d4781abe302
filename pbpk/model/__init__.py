"""Model structure only (sympy): topology, the symbolic whole-body model, coupled DDI models, parameter values, SBML."""
