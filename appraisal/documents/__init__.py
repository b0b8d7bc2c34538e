"""The official documents of the dossiers: what each kind of dossier issues (the
registry), their content in the layout of Decree 30/2020/NĐ-CP, their rendering
to Word and PDF, and their digital signatures."""
