"""The GUI agents: one subtask on one device, observed, grounded, decided, acted on and checked.

Packages, in the order a step goes through them:

- `perception/`: reads text from the screenshot when the element tree cannot be read (OCR);
- `grounding/`: reads the goal and lists the screen's candidate actions, scored by what the goal names;
- `loop/`: `GuiAgent`, the langgraph loop (observe -> verify -> reflect -> recover | decide -> act, and
  ask), with its safety gate, questions and results;
- `reflection/`: the verifier, checks of the last step and the trajectory, recovery, looking around;
- `skills/`: verified runs learned as skills, and their replay;
- `memory/`: what each app's screens offer, learned while working, and the user's app cards;
- `host/`: the device-agent host that runs subtasks for an orchestrator.

Modules beside them: deciding tiers and models (`tiers`, `router`, `ranking`, `local`, `cloud`,
`models`, `spend`, `prompts`), questions to the user (`questions`, `dates`, `scope`), the safety
gate's effects (`safety`), the loop's records and checkpoints (`records`, `checkpoints`, `thumbnails`).
"""
