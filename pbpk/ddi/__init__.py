"""Drug–drug interactions: static screens (FDA 2020, mechanistic static model) and dynamic coupled simulation."""
