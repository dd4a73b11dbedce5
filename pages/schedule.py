"""stub"""

import streamlit as st

st.title("schedule")
