//! Diagrams of the pipeline (Mermaid lineage graphs) and review tables. Not built yet.
